"""Export jobs: asked for through the API, run by the Celery task once the
transaction commits, claimed once, finished with the workbook or the error,
downloaded by whoever may; picked up again when its worker is lost; and the
admin's export actions."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from awards.services import phase_finalize
from campaigns.models import Campaign
from campaigns.services import phase_close
from core.exports import (
    Heartbeat,
    export_job_alive,
    export_job_request,
    export_job_run,
    export_jobs_requeue_lost,
)
from core.models import ExportJob
from core.tasks import run_export
from tests.contest import NAMED_TIERS, build_contest
from tests.factories import EnrollmentFactory, PhaseFactory, UserFactory
from tests.intake_fixtures import client_for

pytestmark = pytest.mark.django_db


URL = "/api/v1/exports/"


def _post(client, kind, params=None):
    body = {"kind": kind} if params is None else {"kind": kind, "params": params}
    return client.post(URL, body, format="json", headers={"accept-language": "en"})


def _get(client, url):
    return client.get(url, headers={"accept-language": "en"})


def _workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


@pytest.fixture
def contest():
    """The shared contest (``tests.contest``) as campaign ``xh``, phase 1 closed for
    intake: E1 3 sales and E2 2 in cluster 1, W1 1 in cluster 2, each agent with a
    login; a ranked rule with one prize that needs no quota."""
    contest = build_contest(
        code="xh",
        east=("E1", "E2"),
        west=("W1",),
        products=("VSI",),
        tiers=NAMED_TIERS[:1],
        quota=None,
        rule={"requires_quota": False},
        logins=True,
    )
    for code, count in (("E1", 3), ("E2", 2), ("W1", 1)):
        contest.sell(code, count)
    return contest


@pytest.fixture
def progress_job(reviewer, campaign):
    """A progress job the reviewer asked for, queued (its on-commit callback never ran)."""
    return export_job_request(kind="progress", params={"campaign": campaign.code}, by=reviewer)


@pytest.fixture
def short_heartbeats(settings):
    """A beat every 0.1 s; an attempt is lost after 1 s without one, after 2 attempts it fails."""
    settings.EXPORT_HEARTBEAT_SECONDS = 0.1
    settings.EXPORT_STALE_SECONDS = 1
    settings.EXPORT_MAX_ATTEMPTS = 2
    return settings


def _running_since(job: ExportJob, seconds: float):
    """Put ``job`` in the state a worker leaves it in when it claimed it ``seconds`` ago (and maybe died)."""
    started = timezone.now() - timedelta(seconds=seconds)
    ExportJob.objects.filter(pk=job.pk).update(status="running", started_at=started)
    return started


# --- Asking and following ----------------------------------------------------------------


def test_staff_ask_for_a_workbook_and_are_told_where_to_follow_it(reviewer, campaign):
    response = _post(client_for(reviewer), "progress", {"campaign": "qn"})
    assert response.status_code == 202
    body = response.json()
    job = ExportJob.objects.get(pk=body["id"])
    assert body["status"] == "queued"
    assert body["url"].endswith(f"/api/v1/exports/{job.pk}/")
    assert response["Location"] == body["url"]
    assert body["download_url"] is None
    assert (job.kind, job.params, job.requested_by) == ("progress", {"campaign": "qn", "phase": None}, reviewer)


def test_the_job_runs_once_the_request_has_committed(reviewer, campaign, django_capture_on_commit_callbacks):
    client = client_for(reviewer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        body = _post(client, "progress", {"campaign": "qn"}).json()
        assert ExportJob.objects.get(pk=body["id"]).status == "queued"
    assert len(callbacks) == 1
    status = _get(client, body["url"]).json()
    assert status["status"] == "done"
    assert status["rows"] > 0
    assert status["size"] > 0
    assert status["error"] == ""
    assert status["download_url"].endswith(f"/api/v1/exports/{body['id']}/download/")


def test_a_finished_job_is_downloaded_as_its_workbook(reviewer, campaign, django_capture_on_commit_callbacks):
    client = client_for(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        body = _post(client, "progress", {"campaign": "qn"}).json()
    response = _get(client, f"{body['url']}download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="Tien-do-qn-toan-phong-trao-' in response["Content-Disposition"]
    workbook = _workbook(response.content)
    assert workbook.sheetnames[0] == "Tổng hợp"
    assert workbook["Tổng hợp"]["A2"].value == "Phong trào: Thi đua Quảng Nam"


def test_a_job_not_done_yet_cannot_be_downloaded(reviewer, progress_job):
    response = _get(client_for(reviewer), f"{URL}{progress_job.pk}/download/")
    assert response.status_code == 409
    assert response.json()["message"] == "The export is Queued, not done yet."


def test_the_list_holds_only_the_callers_own_jobs(reviewer, campaign_manager, campaign, progress_job):
    export_job_request(kind="progress", params={"campaign": "qn"}, by=campaign_manager)
    body = _get(client_for(reviewer), URL).json()
    assert [job["id"] for job in body["results"]] == [progress_job.pk]


# --- Running: claimed once, finished once ---------------------------------------------------


def test_running_a_job_builds_its_workbook(progress_job):
    job = export_job_run(job_id=progress_job.pk)
    job = ExportJob.objects.get(pk=job.pk)
    assert job.status == "done"
    assert job.started_at is not None
    assert job.finished_at >= job.started_at
    assert job.size == len(bytes(job.content))
    # Nothing sold yet: two phases and a cluster at zero, a total row per sheet, and the people covered.
    assert job.rows == 10
    assert _workbook(bytes(job.content)).sheetnames[-1] == "Theo cụm thi đua"


def test_running_a_finished_job_again_does_nothing(progress_job):
    export_job_run(job_id=progress_job.pk)
    before = ExportJob.objects.get(pk=progress_job.pk)
    assert export_job_run(job_id=progress_job.pk) is None
    after = ExportJob.objects.get(pk=progress_job.pk)
    assert (after.status, after.finished_at, bytes(after.content)) == (
        "done",
        before.finished_at,
        bytes(before.content),
    )


def test_the_task_runs_a_job_once(progress_job):
    assert run_export.delay(progress_job.pk).get() == {
        "job": progress_job.pk,
        "ran": True,
        "status": "done",
        "rows": 10,
    }
    assert run_export.delay(progress_job.pk).get() == {"job": progress_job.pk, "ran": False}


def test_a_failed_job_is_not_run_again(progress_job):
    ExportJob.objects.filter(pk=progress_job.pk).update(
        status="failed", error="boom", finished_at=timezone.now(), started_at=timezone.now()
    )
    assert export_job_run(job_id=progress_job.pk) is None
    assert ExportJob.objects.get(pk=progress_job.pk).error == "boom"


def test_a_failure_records_its_error(campaign_manager, contest):
    contest["rule"].delete()  # nothing ranks the phase any more
    job = export_job_request(kind="ranking", params={"phase": contest["phase"].pk}, by=campaign_manager)
    with translation.override("en"):
        job = export_job_run(job_id=job.pk)
    assert job.status == "failed"
    assert "No award rule ranks competitors in Đợt 1" in job.error
    assert job.finished_at is not None
    assert ExportJob.objects.filter(pk=job.pk, content__isnull=True).exists()
    response = _get(client_for(campaign_manager), f"{URL}{job.pk}/download/")
    assert response.status_code == 409


def test_a_requester_who_lost_the_right_fails_the_job(campaign, post_office):
    manager = UserFactory(username="bd-manager")
    post_office.managers.add(manager)
    job = export_job_request(kind="progress", params={"campaign": "qn"}, by=manager)
    post_office.managers.remove(manager)
    with translation.override("en"):
        job = export_job_run(job_id=job.pk)
    assert (job.status, job.error) == ("failed", "You may not read this campaign's progress.")


def test_a_job_whose_phase_is_gone_fails_with_the_parameter_error(campaign_manager, contest):
    job = export_job_request(kind="awards", params={"campaign": "xh"}, by=campaign_manager)
    Campaign.objects.filter(pk=contest["campaign"].pk).update(code="renamed")
    with translation.override("en"):
        job = export_job_run(job_id=job.pk)
    assert job.status == "failed"
    assert job.error == "There is no campaign with the code xh."


# --- A worker lost: heartbeats, new attempts, the sweep -----------------------------------------


def test_a_job_running_elsewhere_is_left_alone(progress_job, short_heartbeats):
    started = _running_since(progress_job, 60)
    with Heartbeat(progress_job.pk, started):
        assert export_job_run(job_id=progress_job.pk) is None
    job = ExportJob.objects.get(pk=progress_job.pk)
    assert (job.status, job.started_at, job.content) == ("running", started, None)


def test_a_job_claimed_a_moment_ago_is_left_alone_before_its_first_heartbeat(progress_job, short_heartbeats):
    short_heartbeats.EXPORT_STALE_SECONDS = 30
    started = _running_since(progress_job, 5)
    assert export_job_run(job_id=progress_job.pk) is None
    assert ExportJob.objects.get(pk=progress_job.pk).started_at == started


def test_a_job_whose_heartbeat_stopped_is_claimed_again(progress_job, short_heartbeats):
    lost = _running_since(progress_job, 5)
    job = export_job_run(job_id=progress_job.pk)
    assert job.status == "done"
    assert job.started_at > lost
    assert job.rows == 10


def test_a_job_whose_worker_died_is_claimed_again(progress_job):
    lost = timezone.now() - timedelta(seconds=settings.EXPORT_TIME_LIMIT + 60)
    ExportJob.objects.filter(pk=progress_job.pk).update(status="running", started_at=lost)
    with Heartbeat(progress_job.pk, lost):  # past the hard time limit, no worker runs it any more
        job = export_job_run(job_id=progress_job.pk)
    assert job.status == "done"
    assert job.started_at > lost


def test_a_job_that_lost_its_last_attempt_fails_without_a_file(progress_job, short_heartbeats):
    short_heartbeats.EXPORT_MAX_ATTEMPTS = 1
    lost = _running_since(progress_job, 5)
    with translation.override("en"):
        job = export_job_run(job_id=progress_job.pk)
    assert (job.status, job.started_at) == ("failed", lost)
    assert job.error == "The export was interrupted 1 time: its worker stopped before it finished."
    assert job.finished_at is not None
    assert ExportJob.objects.filter(pk=job.pk, content__isnull=True).exists()


def test_a_heartbeat_keeps_an_attempt_alive_until_it_ends(progress_job, short_heartbeats):
    started = _running_since(progress_job, 0)
    with Heartbeat(progress_job.pk, started):
        time.sleep(1.5)  # longer than an attempt lives without a beat: the thread beat meanwhile
        assert export_job_alive(job_id=progress_job.pk, started_at=started)
        assert export_job_run(job_id=progress_job.pk) is None
    assert not export_job_alive(job_id=progress_job.pk, started_at=started)


def test_the_sweep_queues_again_a_job_whose_heartbeat_stopped(progress_job, short_heartbeats):
    _running_since(progress_job, 5)
    assert export_jobs_requeue_lost() == [progress_job.pk]
    assert ExportJob.objects.get(pk=progress_job.pk).status == "done"  # the task ran at once (eager)


def test_the_sweep_leaves_queued_jobs_and_live_attempts_alone(progress_job, reviewer, campaign, short_heartbeats):
    started = _running_since(progress_job, 5)
    queued = export_job_request(kind="progress", params={"campaign": campaign.code}, by=reviewer)
    with Heartbeat(progress_job.pk, started):
        assert export_jobs_requeue_lost() == []
    assert ExportJob.objects.get(pk=progress_job.pk).status == "running"
    assert ExportJob.objects.get(pk=queued.pk).status == "queued"


def test_the_sweep_queues_a_lost_attempt_once(progress_job, short_heartbeats, celery_eager):
    celery_eager.conf.task_always_eager = False  # the message waits in the broker, as behind a busy worker
    try:
        _running_since(progress_job, 5)
        assert export_jobs_requeue_lost() == [progress_job.pk]
        assert export_jobs_requeue_lost() == []
    finally:
        celery_eager.control.purge()
    assert ExportJob.objects.get(pk=progress_job.pk).status == "running"


# --- Parameters, checked per kind ----------------------------------------------------------


def test_an_unknown_kind_is_refused(reviewer):
    response = _post(client_for(reviewer), "payroll", {})
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]


def test_a_phase_of_another_campaign_is_refused(reviewer, campaign):
    other = PhaseFactory()
    response = _post(client_for(reviewer), "progress", {"campaign": "qn", "phase": other.pk})
    assert response.status_code == 400
    assert response.json()["errors"] == {"params": {"phase": ["The phase belongs to another campaign."]}}


def test_missing_unknown_and_malformed_parameters_get_a_message_each(reviewer):
    response = _post(client_for(reviewer), "ranking", {"phase": "first", "colour": "red"})
    assert response.status_code == 400
    errors = response.json()["errors"]["params"]
    assert errors == {"phase": ["Enter a whole number."], "colour": ["Unknown parameter."]}
    response = _post(client_for(reviewer), "progress", {})
    assert response.json()["errors"]["params"] == {"campaign": ["This field is required."]}


def test_an_award_list_needs_a_phase_or_a_campaign(council_member):
    response = _post(client_for(council_member), "awards", {"statuses": ["approved"]})
    assert response.status_code == 400
    assert response.json()["errors"]["params"] == {"non_field_errors": ["Choose a phase or a campaign."]}


def test_enrollment_filters_are_checked_like_the_lists(api1):
    response = _post(api1, "enrollments", {"status": "lost", "agent_id": 3})
    assert response.status_code == 400
    errors = response.json()["errors"]["params"]
    assert set(errors) == {"status", "agent_id"}
    assert errors["agent_id"] == ["Unknown parameter."]


# --- Who may ask, who may read ------------------------------------------------------------


def test_an_agent_may_not_ask_for_a_progress_workbook(api1):
    response = _post(api1, "progress", {"campaign": "qn"})
    assert response.status_code == 403
    assert not ExportJob.objects.exists()


def test_a_reviewer_may_not_ask_for_an_award_list(reviewer, contest):
    response = _post(client_for(reviewer), "awards", {"campaign": "xh"})
    assert response.status_code == 403


def test_an_agents_enrollment_job_holds_only_their_own(
    api1, agent1, agent2, open_phase, django_capture_on_commit_callbacks
):
    EnrollmentFactory(phase=open_phase, agent=agent1, client_ref="MINE-1")
    EnrollmentFactory(phase=open_phase, agent=agent2, client_ref="THEIRS-1")
    with django_capture_on_commit_callbacks(execute=True):
        body = _post(api1, "enrollments", {"status": ["submitted"]}).json()
    response = _get(api1, f"{body['url']}download/")
    ws = _workbook(response.content).active
    assert [row[17] for row in ws.iter_rows(min_row=4, values_only=True)] == ["MINE-1"]


def test_another_user_cannot_see_or_download_a_job(progress_job, api1):
    export_job_run(job_id=progress_job.pk)
    assert _get(api1, f"{URL}{progress_job.pk}/").status_code == 404
    assert _get(api1, f"{URL}{progress_job.pk}/download/").status_code == 404


def test_staff_with_the_view_permission_read_anothers_job_of_a_kind_they_may_read(progress_job, campaign_manager):
    export_job_run(job_id=progress_job.pk)
    client = client_for(campaign_manager)
    assert _get(client, f"{URL}{progress_job.pk}/").json()["requested_by"] == "reviewer"
    assert _get(client, f"{URL}{progress_job.pk}/download/").status_code == 200


def test_staff_cannot_read_anothers_job_of_a_kind_they_may_not(council_member, reviewer, contest):
    phase_close(phase=contest["phase"])
    phase_finalize(phase_id=contest["phase"].pk)
    job = export_job_request(kind="awards", params={"campaign": "xh"}, by=council_member)
    export_job_run(job_id=job.pk)
    assert _get(client_for(reviewer), f"{URL}{job.pk}/download/").status_code == 404


# --- The ranking and award list kinds --------------------------------------------------------


def test_a_ranking_job_writes_the_phases_boards(campaign_manager, contest):
    job = export_job_request(kind="ranking", params={"phase": contest["phase"].pk, "rule": "TOP"}, by=campaign_manager)
    job = export_job_run(job_id=job.pk)
    assert job.status == "done", job.error
    workbook = _workbook(bytes(ExportJob.objects.get(pk=job.pk).content))
    assert workbook.sheetnames == ["Cụm 1", "Cụm 2"]
    codes = [row[3] for row in workbook["Cụm 1"].iter_rows(min_row=6, values_only=True)]
    assert codes[:2] == ["E1", "E2"]
    assert job.rows == 3
    assert job.filename == "Bảng xếp hạng xh Đợt 1 TOP.xlsx"


def test_an_agents_ranking_job_holds_only_their_clusters_board(contest):
    agent = contest["agents"]["E1"]
    Campaign.objects.filter(pk=contest["campaign"].pk).update(status=Campaign.Status.RUNNING)
    job = export_job_request(kind="ranking", params={"phase": contest["phase"].pk}, by=agent.user)
    job = export_job_run(job_id=job.pk)
    assert job.status == "done", job.error
    assert _workbook(bytes(ExportJob.objects.get(pk=job.pk).content)).sheetnames == ["Cụm 1"]


def test_an_award_list_job_lists_the_proposed_awards(council_member, contest):
    phase_close(phase=contest["phase"])
    phase_finalize(phase_id=contest["phase"].pk)
    job = export_job_request(kind="awards", params={"phase": contest["phase"].pk}, by=council_member)
    job = export_job_run(job_id=job.pk)
    assert job.status == "done", job.error
    assert job.rows == 2  # the winner of each cluster
    workbook = _workbook(bytes(ExportJob.objects.get(pk=job.pk).content))
    cells = [cell for row in workbook.worksheets[0].iter_rows(values_only=True) for cell in row]
    assert "E1" in cells
    assert "W1" in cells


# --- The admin ---------------------------------------------------------------------------------


def test_the_admin_lists_jobs_and_downloads_a_finished_one(client, superuser, progress_job):
    export_job_run(job_id=progress_job.pk)
    client.force_login(superuser)
    changelist = client.get(reverse("admin:core_exportjob_changelist"))
    download = reverse("admin:core_exportjob_download", args=[progress_job.pk])
    assert download in changelist.text
    response = client.get(download)
    assert response.status_code == 200
    assert _workbook(response.content).sheetnames[0] == "Tổng hợp"


def test_the_admin_does_not_list_others_jobs_of_a_kind_the_user_may_not_read(client, reviewer, council_member, contest):
    job = export_job_request(kind="awards", params={"campaign": "xh"}, by=council_member)
    client.force_login(reviewer)
    changelist = client.get(reverse("admin:core_exportjob_changelist"))
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == []
    assert client.get(reverse("admin:core_exportjob_download", args=[job.pk])).status_code == 403


def test_the_campaign_action_downloads_the_progress_workbook(client, campaign_manager, campaign):
    client.force_login(campaign_manager)
    response = client.post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": "download_progress", "_selected_action": [campaign.pk]},
    )
    assert response.status_code == 200
    workbook = _workbook(b"".join(response.streaming_content))
    assert workbook["Tổng hợp"]["A2"].value == "Phong trào: Thi đua Quảng Nam"


def test_the_enrollment_action_downloads_the_selected_rows(client, reviewer, agent1, open_phase):
    chosen = EnrollmentFactory(phase=open_phase, agent=agent1, client_ref="PICK-1")
    EnrollmentFactory(phase=open_phase, agent=agent1, client_ref="SKIP-1")
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:enrollments_enrollment_changelist"),
        {"action": "export_enrollments", "_selected_action": [chosen.pk]},
    )
    assert response.status_code == 200
    ws = _workbook(b"".join(response.streaming_content)).active
    assert [row[17] for row in ws.iter_rows(min_row=4, values_only=True)] == ["PICK-1"]


def test_selecting_every_filtered_enrollment_over_the_limit_queues_a_job(
    client, reviewer, agent1, open_phase, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    for n in range(3):
        EnrollmentFactory(phase=open_phase, agent=agent1, client_ref=f"VSI-{n}")
    EnrollmentFactory(
        phase=open_phase,
        agent=agent1,
        client_ref="HHI-0",
        product="HHI",
        declared_income=None,
        household_member_order=1,
    )
    client.force_login(reviewer)
    url = reverse("admin:enrollments_enrollment_changelist") + f"?product__exact=VSI&phase__id__exact={open_phase.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"action": "export_enrollments", "select_across": "1", "_selected_action": ["0"]}, follow=True
        )
    job = ExportJob.objects.get()
    assert job.params == {"product": "VSI", "phase": str(open_phase.pk)}
    assert job.status == "done"
    assert job.rows == 3
    assert reverse("admin:core_exportjob_change", args=[job.pk]) in response.text


def test_a_search_over_the_limit_cannot_become_a_job(client, reviewer, agent1, open_phase, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    for n in range(3):
        EnrollmentFactory(phase=open_phase, agent=agent1, client_ref=f"VSI-{n}")
    client.force_login(reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # English, chosen with the language switch
    url = reverse("admin:enrollments_enrollment_changelist") + "?q=A01"
    response = client.post(
        url,
        {"action": "export_enrollments", "select_across": "1", "_selected_action": ["0"]},
        follow=True,
    )
    assert not ExportJob.objects.exists()
    assert "Remove the search" in response.text
