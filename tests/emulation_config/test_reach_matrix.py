"""Offices' reach through every door (DESIGN §10): Quảng Nam's staff against Tây Ninh's
campaign, Tây Ninh's own staff, Vietnam Social Security's staff and staff without a unit,
over every API endpoint, admin page and action, web page, export and import.

Each staff member holds every role: only their unit differs. For each door the
strangers (Quảng Nam's staff, staff without a unit) are refused and change nothing
of Tây Ninh's, and then Tây Ninh's own staff get through — so a refusal is never
the door being shut for everyone. ``tests/emulation_config/test_reach_guard.py``
fails when an endpoint or a page is missing from the tables below.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from awards.models import Appeal, Award, CouncilMeeting, Nomination
from awards.nominations import nomination_review
from awards.services import award_approve, award_review
from campaigns.models import Campaign, Cluster, Phase, Team
from campaigns.services import phase_close
from collectors.models import Agent
from core.admin_helpers import ReachAdminMixin
from core.exports import export_job_request, export_job_run
from core.models import ExportJob
from core.reach import Reach, reach_filter
from enrollments.models import Enrollment
from tests.factories import CampaignFactory, assign_unit
from tests.intake_fixtures import client_for
from tests.offices import Office, Offices, build_offices, nomination_of
from tests.spreadsheets import upload

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "campaigns"


@pytest.fixture
def offices() -> Offices:
    return build_offices()


def reached_campaigns(offices: Offices, user) -> list[Campaign]:
    """The campaigns ``user`` should reach among the two provinces'."""
    if user == offices.national:
        return [offices.quang_nam.campaign, offices.tay_ninh.campaign]
    return [office.campaign for office in (offices.quang_nam, offices.tay_ninh) if office.staff == user]


def snapshot(office: Office) -> tuple:
    """What a refused request must leave unchanged of a province's campaign."""
    campaign = office.campaign
    return (
        sorted(Enrollment.objects.filter(campaign=campaign).values_list("pk", "status")),
        sorted(Phase.objects.filter(campaign=campaign).values_list("pk", "status")),
        sorted(Award.objects.filter(phase__campaign=campaign).values_list("pk", "status")),
        sorted(Nomination.objects.filter(campaign=campaign).values_list("pk", "status")),
        CouncilMeeting.objects.filter(phase__campaign=campaign).count(),
        ExportJob.objects.filter(requested_by=office.staff).count(),
    )


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def unpacked_text(content: bytes) -> str:
    """Everything a download holds, as text: the members of a ZIP (a workbook is one too), unpacked."""
    if not zipfile.is_zipfile(io.BytesIO(content)):
        return content.decode("utf-8", errors="replace")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return " ".join(name + " " + unpacked_text(archive.read(name)) for name in archive.namelist())


def workbook_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row)


# --- The API ----------------------------------------------------------------------------------


def _results(response) -> list[dict]:
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def _lists_enrollments(response, offices: Offices, user) -> None:
    expected = set(
        Enrollment.objects.filter(campaign__in=reached_campaigns(offices, user)).values_list("pk", flat=True)
    )
    assert {row["id"] for row in _results(response)} == expected


def _lists_awards(response, offices: Offices, user) -> None:
    expected = set(
        Award.objects.filter(phase__campaign__in=reached_campaigns(offices, user)).values_list("pk", flat=True)
    )
    assert {row["id"] for row in _results(response)} == expected


def _totals_awards(response, offices: Offices, user) -> None:
    expected = Award.objects.filter(phase__campaign__in=reached_campaigns(offices, user)).count()
    assert response.json()["count"] == expected


def _lists_nominations(response, offices: Offices, user) -> None:
    expected = Nomination.objects.filter(campaign__in=reached_campaigns(offices, user)).values_list("pk", flat=True)
    assert {row["id"] for row in _results(response)} == set(expected)


def _lists_meetings(response, offices: Offices, user) -> None:
    expected = CouncilMeeting.objects.filter(phase__campaign__in=reached_campaigns(offices, user))
    assert {row["id"] for row in _results(response)} == set(expected.values_list("pk", flat=True))


def _lists_own_jobs(response, offices: Offices, user) -> None:
    assert {row["id"] for row in _results(response)} == set(
        ExportJob.objects.filter(requested_by=user).values_list("pk", flat=True)
    )


def _lists_campaign_rows(model, path: str, key: str = "id"):
    """A check that a list holds exactly the rows of ``model`` of the campaigns the user reaches."""

    def check(response, offices: Offices, user) -> None:
        rows = model.objects.filter(**{f"{path}__in": [c.pk for c in reached_campaigns(offices, user)]})
        expected = set(rows.values_list("code" if key == "code" else "pk", flat=True))
        assert {row[key] for row in _results(response)} == expected

    return check


_lists_campaigns = _lists_campaign_rows(Campaign, "pk", key="code")
_lists_phases = _lists_campaign_rows(Phase, "campaign")
_lists_clusters = _lists_campaign_rows(Cluster, "campaign")
_lists_teams = _lists_campaign_rows(Team, "campaign")


def _exports_enrollments(response, offices: Offices, user) -> None:
    text = workbook_text(body_of(response))
    reached = reached_campaigns(offices, user)
    for office in (offices.quang_nam, offices.tay_ninh):
        assert (office.agent.code in text) == (office.campaign in reached), office.campaign.code


@dataclass(frozen=True)
class Call:
    """How the matrix asks an endpoint about Tây Ninh's rows, and what Tây Ninh's own staff get."""

    method: str
    url: Callable[[Office], dict]
    body: dict | None = None
    owner: int = 200
    strangers: int = 404
    query: Callable[[Office], str] | str = ""
    prepare: Callable[[Office], object] | None = None
    check: Callable | None = None


def _none(office: Office) -> dict:
    return {}


def _submitted(office: Office) -> dict:
    return {"pk": office.submitted.pk}


def _finalized(office: Office) -> dict:
    return {"pk": office.finalized.pk}


def _open_phase(office: Office) -> dict:
    return {"pk": office.open_phase.pk}


def _award(office: Office) -> dict:
    return {"pk": office.award.pk}


def _nomination(office: Office) -> dict:
    return {"pk": nomination_of(office).pk}


def _nomination_reviewed(office: Office) -> None:
    nomination_review(nomination=nomination_of(office), by=office.staff, minutes="BB-01")


def _meeting(office: Office) -> dict:
    return {"pk": CouncilMeeting.objects.get(phase=office.finalized).pk}


def _reviewed(office: Office) -> None:
    award_review(award=office.award, by=office.staff, minutes="BB-01")


def _approved(office: Office) -> None:
    _reviewed(office)
    award_approve(award=office.award, by=office.staff, decision_number="QĐ-01", decision_date="2024-12-20")


def _agents_notice(office: Office) -> None:
    """A notice of the province's agent: nobody else reads or marks it."""
    from reports.models import Notice, NoticeKind
    from tests.factories import UserFactory

    agent = office.agent
    if agent.user is None:
        agent.user = UserFactory(username=f"{agent.code.lower()}-login")
        agent.save()
    Notice.objects.get_or_create(
        user=agent.user, event_key="matrix", defaults={"kind": NoticeKind.QUOTA_REACHED, "data": {}}
    )


def _notice(office: Office) -> dict:
    from reports.models import Notice

    return {"pk": Notice.objects.get(user=office.agent.user, event_key="matrix").pk}


def _lists_own_notices(response, offices: Offices, user) -> None:
    from reports.models import Notice

    own = set(Notice.objects.filter(user=user).values_list("pk", flat=True))
    assert {row["id"] for row in _results(response)} == own


def _agents_notice_unread(response, offices: Offices, user) -> None:
    from reports.models import Notice

    assert Notice.objects.filter(event_key="matrix", read_at__isnull=True).count() == 1


def _appeal(office: Office) -> dict:
    return {"pk": office.appeal.pk}


def _reopened_appeal(office: Office) -> None:
    """The office's appeal, waiting again for the council's answer."""
    Appeal.objects.filter(pk=office.appeal.pk).update(
        status=Appeal.Status.OPEN, reply="", answered_at=None, answered_by=None
    )


def _lists_appeals(response, offices: Offices, user) -> None:
    expected = set(
        Appeal.objects.filter(phase__campaign__in=reached_campaigns(offices, user)).values_list("pk", flat=True)
    )
    assert {row["id"] for row in _results(response)} == expected


# Every API endpoint whose view says it is scoped by reach (and the caller's own ones), by URL name.
API_MATRIX: dict[str, Call] = {
    "api:enrollment-list": Call("get", _none, strangers=200, check=_lists_enrollments),
    "api:enrollment-detail": Call("get", _submitted),
    "api:enrollment-confirm": Call("post", _submitted),
    "api:enrollment-reject": Call("post", _submitted, body={"reason": "Sai số CCCD"}),
    "api:enrollment-cancel": Call("post", lambda office: {"pk": office.confirmed.pk}, body={"reason": "Hoàn tiền"}),
    # Withdrawing is the submitting agent's alone: their reviewers are refused too.
    "api:enrollment-withdraw": Call("post", _submitted, owner=403),
    # Submitting is for agents: no staff member submits.
    "api:enrollment-bulk": Call("post", _none, body={"items": []}, owner=403, strangers=403),
    "api:enrollment-export": Call("get", _none, strangers=200, check=_exports_enrollments),
    "api:phase-detail": Call("get", _finalized),
    "api:phase-standings": Call("get", _finalized, query=lambda office: f"?cluster={office.contest.clusters[0].pk}"),
    "api:phase-ranking-workbook": Call("get", _finalized),
    "api:phase-close": Call("post", _open_phase, body={"reason": "Đóng sớm"}),
    "api:phase-finalize": Call(
        "post", _open_phase, owner=202, prepare=lambda office: phase_close(phase=office.open_phase, reason="Đóng sớm")
    ),
    "api:phase-reopen": Call("post", _finalized, body={"reason": "Sửa số liệu"}),
    "api:award-list": Call("get", _none, strangers=200, check=_lists_awards),
    "api:award-totals": Call("get", _none, strangers=200, check=_totals_awards),
    "api:award-detail": Call("get", _award),
    "api:award-review": Call("post", _award, body={"minutes": "BB-01"}),
    "api:award-approve": Call(
        "post", _award, body={"decision_number": "QĐ-01", "decision_date": "2024-12-20"}, prepare=_reviewed
    ),
    "api:award-reject": Call("post", _award, body={"reason": "Chưa đủ điều kiện"}),
    "api:award-revoke": Call("post", _award, body={"reason": "Sai sót"}, prepare=_approved),
    "api:award-export": Call("get", _none, query="?campaign=tn"),
    "api:nomination-list": Call("get", _none, strangers=200, check=_lists_nominations),
    "api:nomination-detail": Call("get", _nomination),
    "api:nomination-review": Call("post", _nomination, body={"minutes": "BB-01"}),
    "api:nomination-approve": Call(
        "post",
        _nomination,
        body={"decision_number": "QĐ-01", "decision_date": "2024-12-20"},
        prepare=_nomination_reviewed,
    ),
    "api:nomination-reject": Call("post", _nomination, body={"reason": "Chưa đủ thành tích"}),
    "api:council-meeting-list": Call("get", _none, strangers=200, check=_lists_meetings),
    "api:council-meeting-detail": Call("get", _meeting),
    # Tây Ninh's own template of the submission, and the shipped decision.
    "api:phase-document": Call("get", lambda office: {"pk": office.finalized.pk, "kind": "submission"}),
    "api:campaign-progress-workbook": Call("get", lambda office: {"code": office.campaign.code}, strangers=403),
    "api:campaign-progress": Call("get", lambda office: {"code": office.campaign.code}, strangers=403),
    "api:export-list": Call("get", _none, strangers=200, check=_lists_own_jobs),
    "api:export-detail": Call("get", lambda office: {"pk": office.job.pk}),
    "api:export-download": Call("get", lambda office: {"pk": office.job.pk}),
    "api:phase-notice": Call("get", _finalized),
    "api:appeal-list": Call("get", _none, strangers=200, check=_lists_appeals),
    "api:appeal-detail": Call("get", _appeal),
    "api:appeal-attachment": Call("get", _appeal),
    "api:appeal-uphold": Call("post", _appeal, body={"reply": "Chấp nhận"}, prepare=_reopened_appeal),
    "api:appeal-dismiss": Call("post", _appeal, body={"reply": "Không"}, prepare=_reopened_appeal),
    "api:campaign-list": Call("get", _none, strangers=200, check=_lists_campaigns),
    "api:campaign-detail": Call("get", lambda office: {"code": office.campaign.code}),
    "api:phase-list": Call("get", _none, strangers=200, check=_lists_phases),
    "api:cluster-list": Call("get", _none, strangers=200, check=_lists_clusters),
    "api:cluster-detail": Call("get", lambda office: {"pk": office.contest.clusters[0].pk}),
    "api:team-list": Call("get", _none, strangers=200, check=_lists_teams),
    "api:team-detail": Call("get", lambda office: {"pk": Team.objects.filter(campaign=office.campaign).first().pk}),
    "api:agent-login": Call(
        "post",
        lambda office: {"code": office.agent.code},
        body={"username": "dang-nhap-moi"},
        owner=201,
        prepare=lambda office: Agent.objects.filter(pk=office.agent.pk).update(user=None),
    ),
    # An agent's own progress: staff who are not agents have none.
    "api:my-progress": Call("get", _none, owner=403, strangers=403),
    # The caller's own notices and settings: an agent's notice is nobody else's, their office's staff included.
    "api:my-notice-list": Call("get", _none, strangers=200, prepare=_agents_notice, check=_lists_own_notices),
    "api:my-notice-detail": Call("get", _notice, owner=404, prepare=_agents_notice),
    "api:my-notice-read": Call("post", _notice, owner=404, prepare=_agents_notice, check=_agents_notice_unread),
    "api:my-notice-read-all": Call("post", _none, strangers=200, prepare=_agents_notice, check=_agents_notice_unread),
    "api:my-notice-preferences": Call("get", _none, strangers=200),
}


def _ask(user, call: Call, url: str):
    client = client_for(user)
    if call.method == "get":
        return client.get(url)
    return client.post(url, call.body or {}, format="json")


@pytest.mark.parametrize("name", sorted(API_MATRIX))
def test_an_endpoint_answers_staff_only_within_their_reach(offices, name):
    call = API_MATRIX[name]
    tay_ninh = offices.tay_ninh
    if call.prepare is not None:
        call.prepare(tay_ninh)
    url = reverse(name, kwargs=call.url(tay_ninh)) + (call.query(tay_ninh) if callable(call.query) else call.query)
    before = snapshot(tay_ninh)

    for stranger in (offices.quang_nam.staff, offices.unitless):
        response = _ask(stranger, call, url)
        assert response.status_code == call.strangers, (stranger.username, response.content[:300])
        if call.check is not None:
            call.check(response, offices, stranger)
    assert snapshot(tay_ninh) == before, "a refused request changed nothing of Tây Ninh's"

    response = _ask(tay_ninh.staff, call, url)
    assert response.status_code == call.owner, response.content[:300]
    if call.check is not None:
        call.check(response, offices, tay_ninh.staff)
    if call.method == "get":
        national = _ask(offices.national, call, url)
        assert national.status_code == call.owner
        if call.check is not None:
            call.check(national, offices, offices.national)


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("ranking", lambda office: {"phase": office.finalized.pk}),
        ("awards", lambda office: {"campaign": office.campaign.code}),
        ("progress", lambda office: {"campaign": office.campaign.code}),
    ],
)
def test_an_export_job_of_another_office_is_refused_when_asked_for(offices, kind, params):
    body = {"kind": kind, "params": params(offices.tay_ninh)}

    for stranger in (offices.quang_nam.staff, offices.unitless):
        assert client_for(stranger).post("/api/v1/exports/", body, format="json").status_code == 403
    assert client_for(offices.tay_ninh.staff).post("/api/v1/exports/", body, format="json").status_code == 202
    assert client_for(offices.national).post("/api/v1/exports/", body, format="json").status_code == 202


def test_an_export_job_is_checked_again_when_it_runs(offices, django_capture_on_commit_callbacks):
    tay_ninh = offices.tay_ninh
    with django_capture_on_commit_callbacks(execute=False):
        job = export_job_request(kind="ranking", params={"phase": tay_ninh.finalized.pk}, by=tay_ninh.staff)
    assign_unit(tay_ninh.staff, offices.quang_nam.unit)  # moved to Quảng Nam before the worker took the job

    finished = export_job_run(job_id=job.pk)

    assert finished.status == ExportJob.Status.FAILED
    assert not ExportJob.objects.filter(pk=job.pk, content__isnull=False).exists()


def test_an_enrollment_export_job_holds_only_the_requesters_offices(offices, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = export_job_request(kind="enrollments", params={}, by=offices.quang_nam.staff)

    export_job_run(job_id=job.pk)

    content = bytes(ExportJob.objects.values_list("content", flat=True).get(pk=job.pk))
    text = workbook_text(content)
    assert offices.quang_nam.agent.code in text and offices.tay_ninh.agent.code not in text


def test_staff_read_others_jobs_only_when_asked_for_within_their_reach(offices):
    job_url = f"/api/v1/exports/{offices.tay_ninh.job.pk}/"

    assert client_for(offices.quang_nam.staff).get(job_url).status_code == 404
    assert client_for(offices.national).get(job_url).status_code == 200
    assert client_for(offices.quang_nam.staff).get(f"/api/v1/exports/{offices.quang_nam.job.pk}/").status_code == 200


# --- The web pages ----------------------------------------------------------------------------------


def _phase_page(office: Office) -> dict:
    return {"code": office.campaign.code, "number": 1}


def _agent_page(office: Office) -> dict:
    return {"code": office.agent.code}


# Every page of one campaign or agent, by URL name, with its arguments from Tây Ninh's rows.
PAGE_MATRIX: dict[str, Callable[[Office], dict]] = {
    "pages:campaign": lambda office: {"code": office.campaign.code},
    "pages:leaderboard": _phase_page,
    "pages:leaderboard-live": _phase_page,
    "pages:tv": _phase_page,
    "pages:tv-live": _phase_page,
    "pages:agent": _agent_page,
    "pages:agent-live": _agent_page,
    "pages:notice": _phase_page,
    "pages:appeal-new": _phase_page,
}


@pytest.mark.parametrize("name", sorted(PAGE_MATRIX))
def test_a_page_of_another_offices_campaign_is_refused(client, offices, name):
    url = reverse(name, kwargs=PAGE_MATRIX[name](offices.tay_ninh))

    for stranger in (offices.quang_nam.staff, offices.unitless):
        client.force_login(stranger)
        assert client.get(url).status_code == 403, stranger.username
    for insider in (offices.tay_ninh.staff, offices.national):
        client.force_login(insider)
        assert client.get(url).status_code == 200, insider.username


def test_the_campaign_list_shows_the_campaigns_of_the_users_offices(client, offices):
    for user in (offices.quang_nam.staff, offices.tay_ninh.staff, offices.national, offices.unitless):
        client.force_login(user)
        listed = [item["campaign"] for item in client.get(reverse("pages:campaigns")).context["items"]]
        assert sorted(c.code for c in listed) == sorted(c.code for c in reached_campaigns(offices, user))


# --- The admin ----------------------------------------------------------------------------------------

SCOPED_ADMINS = sorted(
    (model for model, model_admin in admin.site._registry.items() if isinstance(model_admin, ReachAdminMixin)),
    key=lambda model: model._meta.label,
)


def _admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _rows_of(model, office: Office, offices: Offices) -> list[int]:
    """The rows of ``model`` that only ``office``'s reach holds (not the other province's)."""
    own = reach_filter(model._default_manager.all(), Reach.units(_units(office)))
    other = offices.quang_nam if office is offices.tay_ninh else offices.tay_ninh
    theirs = reach_filter(model._default_manager.all(), Reach.units(_units(other)))
    return sorted(set(own.values_list("pk", flat=True)) - set(theirs.values_list("pk", flat=True)))


def _units(office: Office) -> list[int]:
    return [office.unit.pk, office.district.pk]


def _may_view_and_change(model, *users) -> None:
    """Whatever their roles hold for ``model`` (staff units are for superusers to give), only the reach differs."""
    codenames = [f"{action}_{model._meta.model_name}" for action in ("view", "change")]
    permissions = Permission.objects.filter(content_type__app_label=model._meta.app_label, codename__in=codenames)
    for user in users:
        user.user_permissions.add(*permissions)


@pytest.mark.parametrize("model", SCOPED_ADMINS, ids=lambda model: model._meta.label)
def test_an_admin_lists_and_opens_only_the_rows_of_the_users_offices(client, offices, model):
    tay_ninh_rows = _rows_of(model, offices.tay_ninh, offices)
    quang_nam_rows = _rows_of(model, offices.quang_nam, offices)
    assert tay_ninh_rows and quang_nam_rows, f"give tests/offices.py a {model._meta.label} in each province"
    theirs = tay_ninh_rows[0]
    _may_view_and_change(model, offices.quang_nam.staff, offices.tay_ninh.staff, offices.national)

    client.force_login(offices.quang_nam.staff)
    listed = client.get(_admin_url(model, "changelist"))
    assert listed.status_code == 200
    shown = set(listed.context["cl"].queryset.values_list("pk", flat=True))
    assert theirs not in shown and set(quang_nam_rows) & shown
    for view in ("change", "history"):
        response = client.get(_admin_url(model, view, theirs))
        assert response.status_code == 302 and response["Location"] == reverse("admin:index"), view
    # Deleting: not found, or refused outright where the role may delete nothing of the kind.
    deleting = client.get(_admin_url(model, "delete", theirs))
    assert deleting.status_code == 403 or deleting["Location"] == reverse("admin:index")

    client.force_login(offices.tay_ninh.staff)
    assert client.get(_admin_url(model, "change", theirs)).status_code == 200
    client.force_login(offices.national)
    assert client.get(_admin_url(model, "change", theirs)).status_code == 200


@pytest.mark.parametrize("model", SCOPED_ADMINS, ids=lambda model: model._meta.label)
def test_staff_without_a_unit_are_refused_every_scoped_admin(client, offices, model):
    client.force_login(offices.unitless)
    expected = 200 if not admin.site._registry[model].reach_needs_a_unit else 403

    assert client.get(_admin_url(model, "changelist")).status_code == expected
    index = client.get(reverse("admin:index"))
    shown = {row["object_name"] for app in index.context["app_list"] for row in app["models"]}
    assert (model._meta.object_name in shown) == (expected == 200)


def test_the_campaign_form_offers_no_other_offices_campaign_or_unit(client, offices):
    client.force_login(offices.quang_nam.staff)

    form = client.get(_admin_url(Phase, "add")).context["adminform"].form
    assert set(form.fields["campaign"].queryset) == {offices.quang_nam.campaign}
    organizers = client.get(_admin_url(Campaign, "add")).context["adminform"].form.fields["organizer"].queryset
    assert set(organizers) == {offices.quang_nam.unit, offices.quang_nam.district}


def test_a_row_cannot_be_added_to_another_offices_campaign(client, offices):
    client.force_login(offices.quang_nam.staff)
    data = {"campaign": offices.tay_ninh.campaign.pk, "number": 9, "name": "Đợt 9", "grace": "1 00:00:00"}
    data.update({"start_0": "01/01/2030", "start_1": "00:00", "cutoff_0": "01/02/2030", "cutoff_1": "00:00"})
    data.update({"transitions-TOTAL_FORMS": 0, "transitions-INITIAL_FORMS": 0})

    response = client.post(_admin_url(Phase, "add"), data)

    assert response.status_code == 200 and "campaign" in response.context["adminform"].form.errors
    assert not Phase.objects.filter(number=9).exists()


def test_autocomplete_answers_only_the_users_offices_agents(client, offices):
    client.force_login(offices.quang_nam.staff)
    query = {"app_label": "enrollments", "model_name": "enrollment", "field_name": "agent", "term": ""}

    found = {row["text"].split(" – ")[0] for row in client.get(reverse("admin:autocomplete"), query).json()["results"]}

    assert found == set(offices.quang_nam.contest.agents)


def test_a_list_filter_offers_only_the_users_offices_campaigns(client, offices):
    second = CampaignFactory(code="qn-2", name="Thi đua Quảng Nam đợt cuối năm", organizer=offices.quang_nam.district)
    client.force_login(offices.quang_nam.staff)

    response = client.get(_admin_url(Enrollment, "changelist"))

    [campaigns] = [spec for spec in response.context["cl"].filter_specs if spec.field_path == "campaign"]
    assert sorted(label for _pk, label in campaigns.lookup_choices) == sorted(
        [offices.quang_nam.campaign.name, second.name]
    )


@dataclass(frozen=True)
class Action:
    model: type
    name: str
    row: Callable[[Office], object]
    data: dict = field(default_factory=dict)
    prepare: Callable[[Office], object] | None = None


ADMIN_ACTIONS = [
    Action(Enrollment, "confirm_selected", lambda office: office.submitted),
    Action(Enrollment, "reject_selected", lambda office: office.submitted, {"apply": "1", "reason": "Sai"}),
    Action(Enrollment, "cancel_selected", lambda office: office.confirmed, {"apply": "1", "reason": "Hoàn"}),
    Action(Phase, "close_phases", lambda office: office.open_phase, {"apply": "1", "reason": "Đóng sớm"}),
    Action(
        Phase,
        "finalize_phases",
        lambda office: office.open_phase,
        prepare=lambda o: phase_close(phase=o.open_phase, reason="Đóng sớm"),
    ),
    Action(Phase, "reopen_phases", lambda office: office.finalized, {"apply": "1", "reason": "Sửa"}),
    Action(Award, "review_awards", lambda office: office.award, {"apply": "1", "minutes": "BB-01"}),
    Action(
        Award,
        "approve_awards",
        lambda office: office.award,
        {"apply": "1", "decision_number": "QĐ-1", "decision_date": "2024-12-20"},
        prepare=_reviewed,
    ),
    Action(Award, "reject_awards", lambda office: office.award, {"apply": "1", "reason": "Sai"}),
    Action(Award, "revoke_awards", lambda office: office.award, {"apply": "1", "reason": "Sai"}, prepare=_approved),
    Action(Nomination, "review_nominations", nomination_of, {"apply": "1", "minutes": "BB-01"}),
    Action(
        Nomination,
        "approve_nominations",
        nomination_of,
        {"apply": "1", "decision_number": "QĐ-1", "decision_date": "2024-12-20"},
        prepare=_nomination_reviewed,
    ),
    Action(Nomination, "reject_nominations", nomination_of, {"apply": "1", "reason": "Sai"}),
]


@pytest.mark.parametrize("action", ADMIN_ACTIONS, ids=lambda action: action.name)
def test_an_admin_action_never_touches_another_offices_rows(
    client, offices, action, django_capture_on_commit_callbacks
):
    tay_ninh = offices.tay_ninh
    if action.prepare is not None:
        action.prepare(tay_ninh)
    row = action.row(tay_ninh)
    data = {"action": action.name, ACTION_CHECKBOX_NAME: [row.pk], "index": 0, **action.data}
    before = snapshot(tay_ninh)

    client.force_login(offices.quang_nam.staff)
    with django_capture_on_commit_callbacks(execute=True):  # finalizing runs once the request commits
        client.post(_admin_url(action.model, "changelist"), data)
    assert snapshot(tay_ninh) == before

    client.force_login(tay_ninh.staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_admin_url(action.model, "changelist"), data)
    assert snapshot(tay_ninh) != before, "Tây Ninh's own staff act on it"


@pytest.mark.parametrize(
    ("model", "action"),
    [
        (Enrollment, "export_enrollments"),
        (Award, "export_workbook"),
        (Phase, "download_ranking"),
        (Campaign, "download_progress"),
        (Campaign, "export_definition"),
    ],
)
def test_a_download_action_holds_nothing_of_another_office(client, offices, model, action):
    rows = {
        Enrollment: offices.tay_ninh.submitted,
        Award: offices.tay_ninh.award,
        Phase: offices.tay_ninh.finalized,
        Campaign: offices.tay_ninh.campaign,
    }
    data = {"action": action, ACTION_CHECKBOX_NAME: [rows[model].pk], "index": 0}

    client.force_login(offices.quang_nam.staff)
    refused = client.post(_admin_url(model, "changelist"), data)
    client.force_login(offices.tay_ninh.staff)
    allowed = client.post(_admin_url(model, "changelist"), data)

    assert allowed.status_code == 200 and allowed.get("Content-Disposition", "").startswith("attachment")
    markers = ("TNE1", "BHXH-72", "Tây Ninh")
    allowed_text, refused_text = unpacked_text(body_of(allowed)), unpacked_text(body_of(refused))
    assert any(marker in allowed_text for marker in markers)
    assert not any(marker in refused_text for marker in markers)


def test_the_admins_ranking_workbook_of_another_offices_phase_is_not_found(client, offices):
    url = reverse("admin:campaigns_phase_ranking_workbook", args=[offices.tay_ninh.finalized.pk])

    client.force_login(offices.quang_nam.staff)
    assert client.get(url).status_code == 404
    client.force_login(offices.tay_ninh.staff)
    assert client.get(url).status_code == 200


def test_the_admins_dossier_document_of_another_offices_phase_is_not_found(client, offices):
    url = reverse("admin:campaigns_phase_dossier_document", args=[offices.tay_ninh.finalized.pk, "decision"])

    client.force_login(offices.quang_nam.staff)
    assert client.get(url).status_code == 404
    client.force_login(offices.tay_ninh.staff)
    allowed = client.get(url)
    assert allowed.status_code == 200 and "Tây Ninh".upper() in unpacked_text(allowed.content)


def test_the_admins_export_job_download_of_another_office_is_refused(client, offices):
    url = reverse("admin:core_exportjob_download", args=[offices.tay_ninh.job.pk])

    client.force_login(offices.quang_nam.staff)
    assert client.get(url).status_code == 403
    client.force_login(offices.national)
    assert client.get(url).status_code == 200


# --- Imports --------------------------------------------------------------------------------------------


def _preview(client, model, slug: str, rows) -> list:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_excel_import", args=[slug])
    response = client.post(url, {"file": upload(rows)})
    assert response.status_code == 200
    return response.context["report"].rows


IMPORTS = {
    "confirmations": (Enrollment, lambda office: [["Số biên lai"], [office.submitted.receipt_no]]),
    "coverage": (
        Enrollment._meta.get_field("participant").related_model.coverage_periods.rel.related_model,
        lambda office: [
            ["Số CCCD", "Họ và tên", "Ngày sinh", "Giới tính", "Loại hình", "Từ ngày", "Đến ngày"],
            [
                office.submitted.participant.personal_id,
                office.submitted.participant.full_name,
                "17/05/1990",
                "Nam",
                "BHXH tự nguyện",
                "01/01/2020",
                "31/12/2020",
            ],
        ],
    ),
    "agents": (
        Agent,
        lambda office: [
            ["Mã nhân viên", "Họ và tên", "Mã tổ chức dịch vụ thu"],
            [office.agent.code, office.agent.full_name, office.organization.code],
        ],
    ),
    "indicator-values": (
        Campaign._meta.get_field("indicators").related_model.values.rel.related_model,
        lambda office: [
            ["Mã phong trào", "Đợt", "Mã đơn vị", "Mã chỉ tiêu", "Giá trị"],
            [office.campaign.code, 2, office.unit.code, f"IND-{office.agent.code[:2]}", "27,5"],
        ],
    ),
}


@pytest.mark.parametrize("slug", sorted(IMPORTS))
def test_an_import_row_naming_another_offices_rows_is_wrong(client, offices, slug):
    model, rows = IMPORTS[slug]

    client.force_login(offices.quang_nam.staff)
    refused = _preview(client, model, slug, rows(offices.tay_ninh))
    client.force_login(offices.tay_ninh.staff)
    allowed = _preview(client, model, slug, rows(offices.tay_ninh))

    assert all(row.errors for row in refused), [row.errors for row in refused]
    assert not any(row.errors for row in allowed), [row.errors for row in allowed]


def _upload_definition(client, name: str, *, replace: bool = False):
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    data = {"file": SimpleUploadedFile(name, text.encode("utf-8"))}
    if replace:
        data["replace"] = "on"
    return client.post(reverse("admin:campaigns_campaign_import_definition"), data)


def test_a_definition_for_another_office_is_refused_and_leaves_nothing(client, offices):
    client.force_login(offices.quang_nam.staff)

    response = _upload_definition(client, "tay-ninh-2021.yaml")

    assert response.status_code == 200
    errors = " ".join(response.context["definition_errors"])
    assert "campaign.organizer" in errors and "BHXH-72" in errors
    assert not Campaign.objects.filter(code="tay-ninh-2021").exists()
    assert offices.tay_ninh.unit.name == type(offices.tay_ninh.unit).objects.get(code="BHXH-72").name


def test_a_definition_of_the_users_own_office_is_imported(client, offices):
    client.force_login(offices.quang_nam.staff)

    response = _upload_definition(client, "quang-nam-2024.yaml")

    assert response.status_code == 302, response.context and response.context["definition_errors"]
    assert Campaign.objects.get(code="quang-nam-2024").organizer == offices.quang_nam.unit


def test_staff_without_a_unit_still_read_their_own_export_jobs(client, offices):
    job = ExportJob.objects.create(
        kind="enrollments",
        requested_by=offices.unitless,
        status=ExportJob.Status.DONE,
        content=b"PK",
        size=2,
        rows=0,
        finished_at=offices.tay_ninh.job.finished_at,
    )
    client.force_login(offices.unitless)

    assert client.get(_admin_url(ExportJob, "change", job.pk)).status_code == 200
    assert client.get(reverse("admin:core_exportjob_download", args=[job.pk])).status_code == 200
    assert client_for(offices.unitless).get(f"/api/v1/exports/{job.pk}/").status_code == 200
    assert client.get(_admin_url(ExportJob, "change", offices.tay_ninh.job.pk)).status_code == 302
