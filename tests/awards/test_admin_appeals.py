"""Appeals in the admin: reach-scoped, answered by the council's actions with a reply;
approving during the notice is refused with the reason shown."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from awards.appeals.models import Appeal
from awards.appeals.rules import Subject
from awards.appeals.services import appeal_file
from awards.models import Award
from awards.services import award_review
from campaigns.models import CompetitorKind
from campaigns.roles import GROUP_NAMES, StaffRole
from tests.appeals import noticed_contest
from tests.factories import UnitFactory, UserFactory, assign_unit, vss_unit

pytestmark = pytest.mark.django_db

LIST = "/admin/awards/appeal/"


@pytest.fixture
def appeal(db):
    noticed = noticed_contest()
    e3 = noticed.agent("E3")
    return appeal_file(
        by=e3.user,
        phase=noticed.phase,
        text="Sai",
        subject=Subject(kind=CompetitorKind.AGENT, agent=e3),
        now=noticed.during,
    )


def test_the_council_dismisses_an_appeal_with_a_reply_from_the_list(client, council_member, appeal):
    client.force_login(council_member)
    assert client.get(LIST).status_code == 200
    asked = client.post(LIST, {"action": "dismiss_appeals", "_selected_action": [appeal.pk]})
    assert asked.status_code == 200 and "reply" in asked.content.decode()
    client.post(LIST, {"action": "dismiss_appeals", "_selected_action": [appeal.pk], "apply": "1", "reply": "Không"})
    appeal.refresh_from_db()
    assert (appeal.status, appeal.reply, appeal.answered_by) == ("dismissed", "Không", council_member)


def test_council_of_another_office_does_not_see_the_appeal(client, appeal):
    outsider = UserFactory(username="hd-khac", is_staff=True)
    outsider.groups.add(Group.objects.get(name=GROUP_NAMES[StaffRole.COUNCIL]))
    assign_unit(outsider, UnitFactory(code="BHXH-99", parent=vss_unit()))
    client.force_login(outsider)
    assert client.get(f"{LIST}{appeal.pk}/change/").status_code in (302, 404)
    client.post(LIST, {"action": "uphold_appeals", "_selected_action": [appeal.pk], "apply": "1", "reply": "Có"})
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.OPEN
    assert client.get(f"{LIST}{appeal.pk}/attachment/").status_code == 404


def test_approving_in_the_admin_during_the_notice_says_why(client, council_member, director, appeal):
    award = Award.objects.filter(phase=appeal.phase).first()
    award_review(award=award, by=council_member, minutes="BB-1")
    client.force_login(director)
    response = client.post(
        "/admin/awards/award/",
        {
            "action": "approve_awards",
            "_selected_action": [award.pk],
            "apply": "1",
            "decision_number": "QĐ-1",
            "decision_date": "2026-12-30",
        },
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any(appeal.phase.name in m for m in messages), messages
    award.refresh_from_db()
    assert award.status == Award.Status.REVIEWED
