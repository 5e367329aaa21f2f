"""Notices to agents (DESIGN §13): each event tells its agent once, in the app and by
e-mail, through the real services, signals and Celery tasks (run in the test's
process), with the users' settings honoured."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from awards.models import Award
from awards.services import award_approve, award_review, phase_finalize
from campaigns.models import Phase, PrizeTier, Quota
from campaigns.services import phase_close
from enrollments.models import EnrollmentTransition
from enrollments.serializers import EnrollmentInSerializer
from enrollments.services import enrollment_cancel, enrollment_confirm, enrollment_reject, enrollment_submit
from reports.agent_progress import agent_progress, agent_quotas
from reports.models import Notice, NoticeKind, PhaseReminder
from reports.notices.events import notices_for_quotas
from reports.notices.services import notice_email_send, notice_preferences_set
from reports.notices.texts import notice_text
from reports.tasks import (
    check_prize_places,
    notify_enrollment_transitions,
    remind_closing_phases,
    send_notice_email,
)
from tests.contest import build_contest
from tests.factories import ClusterFactory
from tests.intake_fixtures import submission

pytestmark = pytest.mark.django_db

HHI = {"product": "HHI"}


class RefusingBackend:
    """An e-mail backend whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("the mail server went away")


def _submit(agent, ref: str, personal_id: str, **fields):
    body = submission(client_ref=ref, receipt_no=ref, participant={"personal_id": personal_id}, **fields)
    return enrollment_submit(agent=agent, item=EnrollmentInSerializer().run_validation(body)).enrollment


# --- Enrollments rejected or cancelled ---------------------------------------------------------------


def test_a_rejected_enrollment_tells_its_agent_with_the_reason_in_the_app_and_by_email(
    submitted, agent1, agent2, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_reject(enrollment=submitted[0], by=reviewer, reason="Sai số CCCD")

    notice = Notice.objects.get(user=agent1.user)
    assert notice.kind == NoticeKind.ENROLLMENT_REJECTED
    assert notice.in_app and notice.email == Notice.Email.SENT
    assert "Sai số CCCD" in notice_text(notice).body and "BL-1" in notice_text(notice).body
    assert [message.to for message in mail.outbox] == [[agent1.user.email]]
    assert "Sai số CCCD" in mail.outbox[0].body
    with translation.override("vi"):  # e-mail goes out in the site's language
        assert notice_text(notice).title in mail.outbox[0].subject
    assert not Notice.objects.filter(user=agent2.user).exists()


def test_a_cancelled_enrollment_tells_its_agent_and_a_confirmation_tells_nobody(
    submitted, agent1, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = enrollment_confirm(enrollment=submitted[0], by=reviewer)
    assert not Notice.objects.exclude(kind=NoticeKind.QUOTA_REACHED).exists()

    with django_capture_on_commit_callbacks(execute=True):
        enrollment_cancel(enrollment=confirmed, by=reviewer, reason="Hoàn tiền theo đơn")

    notice = Notice.objects.get(user=agent1.user, kind=NoticeKind.ENROLLMENT_CANCELLED)
    assert "Hoàn tiền theo đơn" in notice_text(notice).body


def test_nothing_is_told_of_a_rejection_rolled_back(submitted, agent1, reviewer, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enrollment_reject(enrollment=submitted[0], by=reviewer, reason="Sai")
        raise RuntimeError("the request failed after the rejection")

    assert callbacks == []
    assert not Notice.objects.exists() and mail.outbox == []


def test_a_task_delivered_again_tells_the_agent_once(submitted, agent1, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_reject(enrollment=submitted[0], by=reviewer, reason="Sai số CCCD")
    move = EnrollmentTransition.objects.get(enrollment=submitted[0], to_status="rejected")

    # The broker hands the same message out again (acks late: a worker lost after writing).
    with django_capture_on_commit_callbacks(execute=True):
        again = notify_enrollment_transitions.apply(args=[[move.pk]]).get()

    assert again == 0
    assert Notice.objects.filter(user=agent1.user).count() == 1
    assert len(mail.outbox) == 1


def test_an_email_task_delivered_twice_sends_once(submitted, agent1, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_reject(enrollment=submitted[0], by=reviewer, reason="Sai")
    notice = Notice.objects.get(user=agent1.user)

    assert send_notice_email.apply(args=[notice.pk]).get() is False

    assert len(mail.outbox) == 1


def test_an_email_the_server_refuses_is_tried_again_and_sent_once(
    submitted, agent1, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enrollment_reject(enrollment=submitted[0], by=reviewer, reason="Sai")
    for callback in callbacks:  # the notice task, queued after commit
        callback()
    notice = Notice.objects.get(user=agent1.user)
    assert Notice.objects.get(pk=notice.pk).email == Notice.Email.PENDING

    with pytest.raises(smtplib.SMTPServerDisconnected):
        notice_email_send(notice_id=notice.pk)
    assert Notice.objects.get(pk=notice.pk).email == Notice.Email.PENDING

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_notice_email.apply(args=[notice.pk]).get() is True
    assert send_notice_email.apply(args=[notice.pk]).get() is False
    assert len(mail.outbox) == 1
    assert Notice.objects.get(pk=notice.pk).email == Notice.Email.SENT


def test_an_email_refused_at_every_try_is_marked_failed(
    submitted, agent1, reviewer, settings, celery_eager, monkeypatch
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    # A retry is raised to the caller of an eager task that propagates errors; a worker would queue it.
    monkeypatch.setitem(celery_eager.conf, "task_eager_propagates", False)
    enrollment_reject(enrollment=submitted[0], by=reviewer, reason="Sai")
    move = EnrollmentTransition.objects.get(enrollment=submitted[0], to_status="rejected")
    notify_enrollment_transitions.apply(args=[[move.pk]])
    notice = Notice.objects.get(user=agent1.user)

    # Run eagerly, the task's retries follow at once: six tries in all, then it gives up.
    send_notice_email.apply(args=[notice.pk])

    assert Notice.objects.get(pk=notice.pk).email == Notice.Email.FAILED
    assert mail.outbox == []


# --- Preferences --------------------------------------------------------------------------------------


def test_a_kind_turned_off_by_email_is_shown_in_the_app_only(
    submitted, agent1, reviewer, django_capture_on_commit_callbacks
):
    notice_preferences_set(user=agent1.user, changes={NoticeKind.ENROLLMENT_REJECTED: {"email": False}})

    with django_capture_on_commit_callbacks(execute=True):
        enrollment_reject(enrollment=submitted[0], by=reviewer, reason="Sai")

    notice = Notice.objects.get(user=agent1.user)
    assert notice.in_app and notice.email == Notice.Email.NOT_WANTED
    assert mail.outbox == []


def test_a_kind_turned_off_in_the_app_is_sent_by_email_only(
    submitted, agent1, reviewer, django_capture_on_commit_callbacks
):
    notice_preferences_set(user=agent1.user, changes={NoticeKind.ENROLLMENT_REJECTED: {"in_app": False}})

    with django_capture_on_commit_callbacks(execute=True):
        enrollment_reject(enrollment=submitted[0], by=reviewer, reason="Sai")

    assert not Notice.objects.get(user=agent1.user).in_app
    assert len(mail.outbox) == 1


def test_a_login_without_an_address_is_told_in_the_app(submitted, agent1, reviewer, django_capture_on_commit_callbacks):
    agent1.user.email = ""
    agent1.user.save()

    with django_capture_on_commit_callbacks(execute=True):
        enrollment_reject(enrollment=submitted[0], by=reviewer, reason="Sai")

    assert Notice.objects.get(user=agent1.user).email == Notice.Email.NO_ADDRESS
    assert mail.outbox == []


# --- Quotas -------------------------------------------------------------------------------------------


def test_reaching_a_quota_tells_the_agent_once(agent1, open_phase, django_capture_on_commit_callbacks):
    # Cluster 1's quota in the intake fixtures: 3 VSI new participants.
    people = ["049090000011", "049090000012", "049090000013", "049090000014"]
    with django_capture_on_commit_callbacks(execute=True):
        for n, person in enumerate(people[:2]):
            _submit(agent1, f"Q-{n}", person)
    assert not Notice.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        _submit(agent1, "Q-2", people[2])
    with django_capture_on_commit_callbacks(execute=True):
        _submit(agent1, "Q-3", people[3])

    notice = Notice.objects.get(user=agent1.user)
    assert notice.kind == NoticeKind.QUOTA_REACHED
    assert notice.data["counted"] == 3 and notice.data["minimum"] == 3
    assert open_phase.name in notice_text(notice).body
    assert len(mail.outbox) == 1


def test_the_quota_checked_for_notices_has_the_figures_of_my_progress(agent1, open_phase):
    for n, person in enumerate(["049090000011", "049090000012"]):
        _submit(agent1, f"Q-{n}", person)

    campaign, phase, quotas = agent_quotas(agent=agent1, phase_ids=[open_phase.pk])[0]
    progress = next(p for c in agent_progress(agent=agent1) for p in c.phases if p.phase.pk == open_phase.pk)

    assert (campaign, phase) == (open_phase.campaign, open_phase)
    assert [(q.quota.pk, q.counted, q.met) for q in quotas] == [(q.quota.pk, q.counted, q.met) for q in progress.quotas]
    assert [q.counted for q in quotas] == [2]


def test_a_quota_of_another_cluster_met_by_the_count_tells_nobody(agent1, open_phase):
    # Checked cheaply whatever the cluster first: the agent's own cluster decides after.
    other = ClusterFactory(campaign=open_phase.campaign, number=2, name="Cụm 2")
    Quota.objects.create(campaign=open_phase.campaign, cluster=other, phase=open_phase, product="VSI", minimum=1)
    _submit(agent1, "Q-0", "049090000011")

    assert notices_for_quotas(touched=[(agent1.pk, open_phase.pk)]) == []
    assert not Notice.objects.exists()


def test_a_quota_of_another_phase_or_role_tells_nobody(agent1, open_phase, closed_phase):
    Quota.objects.create(campaign=open_phase.campaign, phase=closed_phase, product="VSI", minimum=1)
    Quota.objects.create(campaign=open_phase.campaign, role="leader", product="VSI", minimum=1)
    _submit(agent1, "Q-0", "049090000011")

    assert notices_for_quotas(touched=[(agent1.pk, open_phase.pk)]) == []


def test_a_quota_for_every_cluster_met_tells_its_agent(agent1, open_phase):
    Quota.objects.create(campaign=open_phase.campaign, product="HHI", minimum=1)
    _submit(agent1, "Q-0", "049090000011")
    assert notices_for_quotas(touched=[(agent1.pk, open_phase.pk)]) == []

    _submit(agent1, "Q-1", "049090000012", **HHI)
    (notice,) = notices_for_quotas(touched=[(agent1.pk, open_phase.pk)])
    assert (notice.data["product"], notice.data["counted"], notice.data["minimum"]) == ("HHI", 1, 1)


def test_a_write_short_of_every_quota_reads_no_progress(agent1, open_phase, django_assert_max_num_queries):
    _submit(agent1, "Q-0", "049090000011")
    # The agent and their login, the quotas that could apply, what counts: not the campaigns and clusters.
    with django_assert_max_num_queries(3):
        assert notices_for_quotas(touched=[(agent1.pk, open_phase.pk)]) == []


def test_a_quota_already_told_is_not_read_again(agent1, open_phase, django_assert_max_num_queries):
    for n, person in enumerate(["049090000011", "049090000012", "049090000013"]):
        _submit(agent1, f"Q-{n}", person)
    assert len(notices_for_quotas(touched=[(agent1.pk, open_phase.pk)])) == 1
    _submit(agent1, "Q-3", "049090000014")

    with django_assert_max_num_queries(4):  # as above, and the notices already written
        assert notices_for_quotas(touched=[(agent1.pk, open_phase.pk)]) == []
    assert Notice.objects.get(user=agent1.user).data["counted"] == 3


# --- Prize places -------------------------------------------------------------------------------------


@pytest.fixture
def contest(db):
    """Cluster 1 with a quota of 3 and three prizes: E1..E4 with logins."""
    return build_contest(logins=True)


def _told(contest, code: str) -> list[str]:
    return list(
        Notice.objects.filter(user=contest.agents[code].user, kind__startswith="prize")
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def test_agents_are_told_when_they_enter_or_leave_the_prize_places(contest, django_capture_on_commit_callbacks):
    contest.sell("E1", 5)
    contest.sell("E2", 4)
    contest.sell("E3", 1)  # under the quota: not eligible
    contest.sell("W1", 2)

    with django_capture_on_commit_callbacks(execute=True):
        check_prize_places.apply().get()

    assert _told(contest, "E1") == ["prize_entered"]
    assert _told(contest, "E2") == ["prize_entered"]
    assert _told(contest, "W1") == ["prize_entered"]
    assert _told(contest, "E3") == []

    with django_capture_on_commit_callbacks(execute=True):
        assert check_prize_places.apply().get() == 0  # nothing moved: nobody told again

    contest.sell("E3", 5, day=2)
    contest.sell("E4", 7, day=3)  # E4, E3, E1 take the three prizes; E2 is fourth
    with django_capture_on_commit_callbacks(execute=True):
        check_prize_places.apply().get()

    assert _told(contest, "E2") == ["prize_entered", "prize_left"]
    assert _told(contest, "E3") == ["prize_entered"]
    assert _told(contest, "E4") == ["prize_entered"]
    left = Notice.objects.get(user=contest.agents["E2"].user, kind=NoticeKind.PRIZE_LEFT)
    assert left.data["rank"] == 4
    entered = Notice.objects.get(user=contest.agents["E4"].user, kind=NoticeKind.PRIZE_ENTERED)
    assert entered.data["rank"] == 1 and entered.data["cluster"] == "Cụm 1"


def test_a_threshold_rule_tells_whoever_reaches_its_threshold(db, django_capture_on_commit_callbacks):
    contest = build_contest(
        logins=True, quota=None, tiers=(("Đạt", 500_000),), rule={"selection": "threshold", "threshold": 4}
    )
    PrizeTier.objects.filter(rule=contest.rule).update(winners=None)  # everyone who reaches it
    contest.sell("E1", 5)
    contest.sell("E2", 4)
    contest.sell("E3", 3)
    contest.sell("W1", 6)

    with django_capture_on_commit_callbacks(execute=True):
        check_prize_places.apply().get()

    told = set(Notice.objects.filter(kind=NoticeKind.PRIZE_ENTERED).values_list("user__username", flat=True))
    assert told == {"e1", "e2", "w1"}


def test_a_closed_phase_tells_no_more_moves(contest, django_capture_on_commit_callbacks):
    contest.sell("E1", 5)
    phase_close(phase=contest.phase)

    with django_capture_on_commit_callbacks(execute=True):
        check_prize_places.apply().get()

    assert not Notice.objects.exists()


# --- Phases ending ------------------------------------------------------------------------------------


def test_a_phase_ending_within_a_day_is_told_once_to_everyone_taking_part(contest, django_capture_on_commit_callbacks):
    phase = contest.phase
    Phase.objects.filter(pk=phase.pk).update(cutoff=timezone.now() + timedelta(hours=20))

    with django_capture_on_commit_callbacks(execute=True):
        assert remind_closing_phases.apply().get() == 7
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_closing_phases.apply().get() == 0

    told = Notice.objects.filter(kind=NoticeKind.PHASE_CLOSING)
    assert sorted(told.values_list("user__username", flat=True)) == ["e1", "e2", "e3", "e4", "w1", "w2", "w3"]
    assert PhaseReminder.objects.filter(phase=phase).count() == 1
    assert len(mail.outbox) == 7
    assert "Đợt 1" in mail.outbox[0].body


def test_a_phase_ending_later_than_a_day_is_not_told_yet(contest):
    Phase.objects.filter(pk=contest.phase.pk).update(cutoff=timezone.now() + timedelta(hours=30))

    assert remind_closing_phases.apply().get() == 0


# --- Awards -------------------------------------------------------------------------------------------


def test_an_approved_award_tells_its_winner_with_the_amount(
    contest, council_member, director, django_capture_on_commit_callbacks
):
    contest.sell("E1", 5)
    phase_close(phase=contest.phase)
    phase_finalize(phase_id=contest.phase.pk)
    award = Award.objects.get(agent=contest.agents["E1"])
    award_review(award=award, by=council_member, minutes="BB-01")

    with django_capture_on_commit_callbacks(execute=True):
        award_approve(award=award, by=director, decision_number="QĐ-15", decision_date=timezone.localdate())

    notice = Notice.objects.get(user=contest.agents["E1"].user, kind=NoticeKind.AWARD_APPROVED)
    assert "QĐ-15" in notice_text(notice).body
    assert "3.000.000" in notice_text(notice).body  # Vietnamese thousands
    assert not Notice.objects.filter(kind=NoticeKind.AWARD_APPROVED).exclude(pk=notice.pk).exists()
    assert [message.to for message in mail.outbox] == [[contest.agents["E1"].user.email]]
