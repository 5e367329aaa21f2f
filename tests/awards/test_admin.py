"""The phase lifecycle and the awards workflow driven from the admin, by role,
and the periodic task that moves phases on time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission
from django.utils import timezone

from awards.models import Award, AwardTransition, Finalization
from awards.services import phase_finalize
from awards.tasks import advance_phases
from campaigns.models import Phase, PhaseTransition
from campaigns.services import phase_close
from tests.offices import build_offices

pytestmark = pytest.mark.django_db

PHASES = "/admin/campaigns/phase/"
AWARDS = "/admin/awards/award/"


def act(client, url, action, objects, **extra):
    return client.post(
        url, {"action": action, helpers.ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra}, follow=True
    )


@pytest.fixture
def finalized(contest):
    contest.sell("E1", 5)
    contest.sell("E2", 4)
    phase_close(phase=contest["phase"])
    phase_finalize(phase_id=contest["phase"].pk)
    return contest


def test_a_campaign_manager_closes_and_finalizes_from_the_admin(
    client, campaign_manager, contest, django_capture_on_commit_callbacks
):
    contest.sell("E1", 5)
    phase = contest["phase"]
    client.force_login(campaign_manager)

    act(client, PHASES, "close_phases", [phase], apply="1")
    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.CLOSED
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = act(client, PHASES, "finalize_phases", [phase])
    assert len(queued) == 1  # the task is sent once the request's transaction commits

    assert response.status_code == 200
    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.FINALIZED
    finalization = Finalization.objects.get(phase=phase)
    assert finalization.by == campaign_manager
    assert Award.objects.filter(finalization=finalization).count() == 1
    assert "Finalizing 1 phase" in response.text or "Đang chốt kết quả 1 đợt" in response.text


def test_reopening_from_the_admin_asks_for_the_reason(client, campaign_manager, finalized):
    phase = finalized["phase"]
    client.force_login(campaign_manager)

    form = act(client, PHASES, "reopen_phases", [phase])
    assert form.templates[0].name == "admin/action_form.html"
    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.FINALIZED

    act(client, PHASES, "reopen_phases", [phase], apply="1", reason="Hoàn trả biên lai sau khi chốt")
    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.CLOSED
    assert set(Award.objects.values_list("status", flat=True)) == {Award.Status.SUPERSEDED}


def test_the_council_reviews_and_the_director_decides_in_the_admin(client, council_member, director, finalized):
    awards = list(Award.objects.order_by("pk"))

    client.force_login(director)
    act(client, AWARDS, "approve_awards", awards, apply="1", decision_number="QĐ-9", decision_date="2025-01-10")
    assert set(Award.objects.values_list("status", flat=True)) == {Award.Status.PROPOSED}  # the council comes first

    client.force_login(council_member)
    page = client.get(AWARDS)
    assert b"review_awards" in page.content and b"approve_awards" not in page.content
    act(client, AWARDS, "review_awards", awards, apply="1", minutes="BB-03/HĐTĐKT")
    assert set(Award.objects.values_list("status", flat=True)) == {Award.Status.REVIEWED}

    client.force_login(director)
    act(client, AWARDS, "approve_awards", awards[:1], apply="1", decision_number="QĐ-9", decision_date="2025-01-10")
    act(client, AWARDS, "reject_awards", awards[1:], apply="1", reason="Chưa đủ hồ sơ")

    first, second = Award.objects.order_by("pk")
    assert (first.status, first.decision_number, str(first.decision_date)) == ("approved", "QĐ-9", "2025-01-10")
    assert (second.status, second.status_reason) == ("rejected", "Chưa đủ hồ sơ")
    assert AwardTransition.objects.filter(award=first, to_status="approved", by=director).exists()


def test_a_reviewer_of_enrollments_has_no_phase_or_award_actions(client, reviewer, finalized):
    client.force_login(reviewer)
    page = client.get(PHASES)
    assert b"finalize_phases" not in page.content
    act(client, PHASES, "reopen_phases", [finalized["phase"]], apply="1", reason="Thử")
    assert Phase.objects.get(pk=finalized["phase"].pk).status == Phase.Status.FINALIZED
    assert client.get(AWARDS).status_code == 403


def test_the_periodic_task_closes_on_time_and_finalizes_after_the_review_period(contest, celery_eager):
    campaign, phase = contest["campaign"], contest["phase"]
    campaign.review_period = timedelta(0)
    campaign.save()
    contest.sell("E1", 5)

    outcome = advance_phases.delay().get()

    assert outcome["closed"] == [phase.pk]
    assert outcome["finalizing"] == [phase.pk]
    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.FINALIZED
    assert Finalization.objects.get(phase=phase).trigger == Finalization.Trigger.AUTOMATIC
    assert advance_phases.delay().get() == {"opened": [], "closed": [], "finalizing": []}  # nothing twice


# --- closing early, reopening, and the buttons on the change pages ---------------------


@pytest.fixture
def early(db):
    """Two offices; each contest's second phase is open and ends in 60 days."""
    return build_offices()


def test_closing_a_phase_early_from_the_admin_asks_for_confirmation_and_a_reason(client, early):
    office = early.quang_nam
    phase = office.open_phase
    client.force_login(office.staff)

    asked = act(client, PHASES, "close_phases", [phase])
    assert asked.templates[0].name == "admin/action_form.html"
    cutoff = timezone.localtime(phase.cutoff, phase.campaign.tzinfo).strftime("%d/%m/%Y")
    assert cutoff in asked.text  # the page says when the phase would have ended
    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.OPEN

    no_reason = act(client, PHASES, "close_phases", [phase], apply="1", reason="  ")
    assert no_reason.templates[0].name == "admin/action_form.html"
    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.OPEN

    act(client, PHASES, "close_phases", [phase], apply="1", reason="Kết thúc sớm theo chỉ đạo")
    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.CLOSED
    move = PhaseTransition.objects.filter(phase=phase).latest("pk")
    assert (move.to_status, move.reason, move.by) == (Phase.Status.CLOSED, "Kết thúc sớm theo chỉ đạo", office.staff)


def test_a_phase_closed_early_is_reopened_to_open_from_its_change_page(client, early):
    office = early.quang_nam
    phase = office.open_phase
    client.force_login(office.staff)
    change = f"{PHASES}{phase.pk}/change/"
    close_url = f"{PHASES}{phase.pk}/act/close_phases/"
    reopen_url = f"{PHASES}{phase.pk}/act/reopen_phases/"

    page = client.get(change)
    assert close_url in page.text and reopen_url not in page.text
    assert client.post(close_url).templates[0].name == "admin/action_form.html"  # the same confirmation
    done = client.post(close_url, {"apply": "1", "reason": "Đóng nhầm trước hạn"}, follow=True)
    assert done.redirect_chain[-1][0] == change
    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.CLOSED

    page = client.get(change)
    assert reopen_url in page.text and close_url not in page.text
    client.post(reopen_url, {"apply": "1", "reason": "Đóng nhầm: mở lại"}, follow=True)
    reopened = Phase.objects.get(pk=phase.pk)
    assert (reopened.status, reopened.closed_at) == (Phase.Status.OPEN, None)
    move = PhaseTransition.objects.filter(phase=phase).latest("pk")
    assert (move.from_status, move.to_status, move.reason) == (
        Phase.Status.CLOSED,
        Phase.Status.OPEN,
        "Đóng nhầm: mở lại",
    )


def test_a_phase_button_refuses_another_offices_phase(client, early):
    client.force_login(early.quang_nam.staff)
    phase = early.tay_ninh.open_phase
    response = client.post(f"{PHASES}{phase.pk}/act/close_phases/", {"apply": "1", "reason": "Không phải của mình"})
    assert response.status_code in (302, 404)
    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.OPEN
    assert not PhaseTransition.objects.filter(phase=phase, to_status=Phase.Status.CLOSED).exists()


def test_a_phase_button_needs_the_actions_permission(client, early):
    phase = early.quang_nam.open_phase
    client.force_login(early.quang_nam.staff)
    early.quang_nam.staff.groups.clear()
    early.quang_nam.staff.user_permissions.add(Permission.objects.get(codename="view_phase"))
    assert "/act/close_phases/" not in client.get(f"{PHASES}{phase.pk}/change/").text
    response = client.post(f"{PHASES}{phase.pk}/act/close_phases/", {"apply": "1", "reason": "x"})
    assert response.status_code == 403
    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.OPEN


def test_award_buttons_on_its_change_page_review_and_approve(client, campaign_manager, finalized, django_user_model):
    award = Award.objects.order_by("pk").first()
    chief = django_user_model.objects.create_superuser("chief", "chief@example.vn", "x")
    client.force_login(chief)
    change = f"{AWARDS}{award.pk}/change/"
    review_url = f"{AWARDS}{award.pk}/act/review_awards/"
    approve_url = f"{AWARDS}{award.pk}/act/approve_awards/"

    page = client.get(change)
    assert review_url in page.text and approve_url not in page.text
    client.post(review_url, {"apply": "1", "minutes": "BB-07"}, follow=True)
    assert Award.objects.get(pk=award.pk).status == Award.Status.REVIEWED

    assert approve_url in client.get(change).text
    client.post(approve_url, {"apply": "1", "decision_number": "QĐ-12", "decision_date": "2024-12-20"}, follow=True)
    approved = Award.objects.get(pk=award.pk)
    assert (approved.status, approved.decision_number) == (Award.Status.APPROVED, "QĐ-12")
    assert AwardTransition.objects.filter(award=award, to_status=Award.Status.APPROVED, by=chief).exists()
