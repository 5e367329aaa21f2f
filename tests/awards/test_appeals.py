"""Public notice and appeals through the services (``awards.appeals``, DESIGN §11.1–2)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from awards.appeals.models import Appeal, AppealEvent
from awards.appeals.rules import Subject, detect_type
from awards.appeals.selectors import appeals_visible_to, phase_notice
from awards.appeals.services import appeal_answer, appeal_file
from awards.models import Award
from awards.services import award_approve, award_review, phase_finalize
from campaigns.models import CompetitorKind, Phase
from core.errors import InvalidTransition
from tests.appeals import noticed_contest
from tests.factories import UserFactory, assign_unit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def about(agent, enrollment=None) -> Subject:
    return Subject(kind=CompetitorKind.AGENT, agent=agent, enrollment=enrollment)


@pytest.fixture
def noticed(db):
    return noticed_contest()


def _reviewed(noticed, council):
    awards = list(Award.objects.filter(phase=noticed.phase, status=Award.Status.PROPOSED).order_by("pk"))
    for award in awards:
        award_review(award=award, by=council, minutes="BB-01")
    return awards


def test_finalizing_publishes_the_results_until_midnight_after_the_fifth_working_day(noticed):
    notice = phase_notice(noticed.phase)
    assert notice.finalization == noticed.finalization
    ends = notice.ends_at.astimezone(noticed.contest.campaign.tzinfo)
    assert (ends.hour, ends.minute) == (0, 0)
    assert ends.weekday() < 6  # the day after a working day
    assert ends - noticed.finalized_at > timedelta(days=5)
    assert notice.running(noticed.during) and not notice.running(noticed.after)


def test_an_agent_files_an_appeal_about_their_own_result_recorded_with_who_and_when(noticed):
    e3 = noticed.agent("E3")
    appeal = appeal_file(
        by=e3.user,
        phase=noticed.phase,
        text="Hai hồ sơ của tôi chưa được xác nhận.",
        subject=about(e3),
        now=noticed.during,
    )
    assert (appeal.status, appeal.competitor_code, appeal.finalization) == ("open", "E3", noticed.finalization)
    event = AppealEvent.objects.get(appeal=appeal)
    assert (event.to_status, event.by, event.at) == ("open", e3.user, noticed.during)


def test_an_agent_appeals_about_one_of_their_enrollments_but_not_someone_elses(noticed):
    e3, e1 = noticed.agent("E3"), noticed.agent("E1")
    own = e3.enrollments.first()
    appeal = appeal_file(by=e3.user, phase=noticed.phase, text="Sai", subject=about(e3, own), now=noticed.during)
    assert appeal.enrollment == own
    with pytest.raises(ValidationError) as refused:
        appeal_file(
            by=e3.user, phase=noticed.phase, text="Sai", subject=about(e3, e1.enrollments.first()), now=noticed.during
        )
    assert "enrollment" in refused.value.message_dict


def test_an_organization_manager_appeals_about_their_agents_only(noticed):
    appeal = appeal_file(
        by=noticed.manager, phase=noticed.phase, text="Xem lại", subject=about(noticed.agent("E1")), now=noticed.during
    )
    assert appeal.filed_by == noticed.manager
    with pytest.raises(ValidationError) as refused:
        appeal_file(
            by=noticed.manager,
            phase=noticed.phase,
            text="Xem lại",
            subject=about(noticed.agent("E2")),
            now=noticed.during,
        )
    assert "agent" in refused.value.message_dict


def test_every_problem_of_an_appeal_is_told_at_once(noticed):
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        appeal_file(
            by=noticed.user("E2"),
            phase=noticed.phase,
            text="  ",
            subject=about(noticed.agent("W1")),
            attachment=fake,
            now=noticed.during,
        )
    assert set(refused.value.message_dict) == {"text", "agent", "attachment"}
    assert not Appeal.objects.exists()


def test_attachments_are_recognized_by_their_content_not_their_name(noticed, settings):
    assert detect_type(io.BytesIO(PDF)) == "pdf"
    assert detect_type(io.BytesIO(PNG)) == "png"
    e2 = noticed.agent("E2")
    renamed = SimpleUploadedFile("photo.jpg", PDF)
    with pytest.raises(ValidationError) as refused:
        appeal_file(
            by=e2.user, phase=noticed.phase, text="x", subject=about(e2), attachment=renamed, now=noticed.during
        )
    assert "PDF" in refused.value.message_dict["attachment"][0]
    settings.UPLOAD_MAX_SIZE = 16
    with pytest.raises(ValidationError) as too_big:
        appeal_file(
            by=e2.user,
            phase=noticed.phase,
            text="x",
            subject=about(e2),
            attachment=SimpleUploadedFile("scan.pdf", PDF),
            now=noticed.during,
        )
    assert "attachment" in too_big.value.message_dict
    settings.UPLOAD_MAX_SIZE = 10 * 1024 * 1024
    appeal = appeal_file(
        by=e2.user,
        phase=noticed.phase,
        text="x",
        subject=about(e2),
        attachment=SimpleUploadedFile("scan.pdf", PDF),
        now=noticed.during,
    )
    assert (appeal.attachment_type, appeal.attachment_name) == ("pdf", "scan.pdf")
    assert bytes(appeal.attachment) == PDF


def test_no_appeal_is_taken_after_the_notice_period(noticed):
    e2 = noticed.agent("E2")
    with pytest.raises(InvalidTransition) as refused:
        appeal_file(by=e2.user, phase=noticed.phase, text="Muộn", subject=about(e2), now=noticed.after)
    assert refused.value.field == "phase"
    assert "ended" in str(refused.value) or "kết thúc" in str(refused.value)


def test_approval_is_refused_while_the_notice_runs_then_allowed(noticed, council_member, director):
    first = _reviewed(noticed, council_member)[0]
    with pytest.raises(InvalidTransition) as refused:
        award_approve(award=first, by=director, decision_number="QĐ-1", decision_date=date.today(), now=noticed.during)
    assert noticed.phase.name in str(refused.value)
    first.refresh_from_db()
    assert first.status == Award.Status.REVIEWED
    approved = award_approve(
        award=first, by=director, decision_number="QĐ-1", decision_date=date.today(), now=noticed.after
    )
    assert approved.status == Award.Status.APPROVED


def test_approval_is_refused_while_an_appeal_is_open_and_allowed_once_dismissed(noticed, council_member, director):
    first = _reviewed(noticed, council_member)[0]
    e3 = noticed.agent("E3")
    appeal = appeal_file(by=e3.user, phase=noticed.phase, text="Xem lại", subject=about(e3), now=noticed.during)
    with pytest.raises(InvalidTransition) as refused:
        award_approve(award=first, by=director, decision_number="QĐ-1", decision_date=date.today(), now=noticed.after)
    assert "1" in str(refused.value) and noticed.phase.name in str(refused.value)
    dismissed = appeal_answer(appeal=appeal, by=council_member, upheld=False, reply="Hồ sơ không hợp lệ.")
    assert dismissed.status == Appeal.Status.DISMISSED
    assert list(AppealEvent.objects.filter(appeal=appeal).order_by("pk").values_list("to_status", flat=True)) == [
        "open",
        "dismissed",
    ]
    award_approve(award=first, by=director, decision_number="QĐ-1", decision_date=date.today(), now=noticed.after)


def test_an_upheld_appeal_reopens_the_phase_and_the_next_version_records_it(noticed, council_member):
    e3 = noticed.agent("E3")
    appeal = appeal_file(by=e3.user, phase=noticed.phase, text="Thiếu 1 hồ sơ", subject=about(e3), now=noticed.during)
    appeal_answer(appeal=appeal, by=council_member, upheld=True, reply="Chấp nhận: bổ sung hồ sơ.")
    phase = Phase.objects.get(pk=noticed.phase.pk)
    assert phase.status == Phase.Status.CLOSED
    assert f"{appeal.pk}" in phase.transitions.order_by("-pk").first().reason
    noticed.contest.sell("E3", 1, hours=5)  # the correction
    second = phase_finalize(phase_id=phase.pk, by=council_member, now=noticed.finalized_at + timedelta(days=3))
    appeal.refresh_from_db()
    assert appeal.correction == second
    assert second.changes["appeals"] == [appeal.pk]
    assert ("E3", "Giải 3") in {(g["competitor"][:2], g["tier"]) for g in second.changes["gained"]}
    # A new notice period, counted from the new version.
    assert second.notice_ends_at > noticed.finalization.notice_ends_at


def test_an_appeal_is_answered_once_and_with_a_reply(noticed, council_member):
    e3 = noticed.agent("E3")
    appeal = appeal_file(by=e3.user, phase=noticed.phase, text="x", subject=about(e3), now=noticed.during)
    with pytest.raises(ValidationError):
        appeal_answer(appeal=appeal, by=council_member, upheld=False, reply=" ")
    appeal_answer(appeal=appeal, by=council_member, upheld=False, reply="Không có căn cứ.")
    with pytest.raises(InvalidTransition):
        appeal_answer(appeal=appeal, by=council_member, upheld=True, reply="Đổi ý")


def test_staff_out_of_reach_cannot_answer(noticed, council_member):
    from core.reach import OutOfReach, Reach

    e3 = noticed.agent("E3")
    appeal = appeal_file(by=e3.user, phase=noticed.phase, text="x", subject=about(e3), now=noticed.during)
    with pytest.raises(OutOfReach):
        appeal_answer(appeal=appeal, by=council_member, upheld=False, reply="Không", reach=Reach.units([]))


def test_each_sees_their_own_appeals(noticed, council_member):
    e3, e1 = noticed.agent("E3"), noticed.agent("E1")
    mine = appeal_file(by=e3.user, phase=noticed.phase, text="x", subject=about(e3), now=noticed.during)
    theirs = appeal_file(by=noticed.manager, phase=noticed.phase, text="y", subject=about(e1), now=noticed.during)
    assert list(appeals_visible_to(e3.user)) == [mine]
    assert list(appeals_visible_to(e1.user)) == [theirs]
    assert list(appeals_visible_to(noticed.manager)) == [theirs]
    assert set(appeals_visible_to(council_member)) == {mine, theirs}
    elsewhere = UserFactory(username="khac")
    assert not appeals_visible_to(elsewhere).exists()
    assign_unit(elsewhere)  # a unit without the permission to view appeals sees none either
    assert not appeals_visible_to(elsewhere).exists()
