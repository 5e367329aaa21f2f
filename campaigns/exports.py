"""Export jobs: Excel workbooks built by a Celery worker, tracked in ``ExportJob``.

A job moves queued → running → done | failed (``EXPORT_MOVES``). Requesting one
validates its parameters and the requester's right to them, stores the job and
queues ``campaigns.run_export`` once the transaction commits. Running one
claims it with a conditional update (queued → running: one worker wins, a job
already running or finished is left alone), writes the workbook into a
temporary file and stores it in the row — done, with its rows and size — or
records why it failed. Web and worker machines share no disk, only the
database, which is why the file lives in the row.

A worker killed mid-job leaves the job running with no file. The task is
delivered again (acks late); a running job whose start lies further back than
the task's hard time limit cannot still be running anywhere, so that delivery
may claim it again. Nothing is half-written: the file and the done status are
stored in one update.

``EXPORTS`` is the registry: per kind, the parameters it takes, who may ask for
it, and the writer it calls. The ranking and award-list writers live in
``awards.workbooks``; they are imported when a job runs.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import AwardRule, Campaign, ExportJob, Phase
from core.errors import InvalidTransition
from enrollments.filters import EnrollmentFilter
from enrollments.models import Enrollment
from enrollments.selectors import agent_of, enrollments_visible_to

logger = logging.getLogger(__name__)

ERROR_MAX_CHARS = 2_000

EXPORT_MOVES: dict[str, set[str]] = {
    ExportJob.Status.QUEUED: {ExportJob.Status.RUNNING, ExportJob.Status.FAILED},
    # running → running: a job whose worker died is claimed again (see the module docstring).
    ExportJob.Status.RUNNING: {ExportJob.Status.RUNNING, ExportJob.Status.DONE, ExportJob.Status.FAILED},
    ExportJob.Status.DONE: set(),
    ExportJob.Status.FAILED: set(),
}

# Campaigns whose progress an organization's manager may read: a draft is for staff only.
PUBLISHED = (Campaign.Status.RUNNING, Campaign.Status.CLOSED)


# --- Parameters ------------------------------------------------------------------------


def _phase(pk: int | None) -> Phase | None:
    if pk is None:
        return None
    phase = Phase.objects.select_related("campaign").filter(pk=pk).first()
    if phase is None:
        raise ValidationError(_("There is no phase %(id)s.") % {"id": pk}, code="does_not_exist")
    return phase


def _campaign(code: str) -> Campaign | None:
    if not code:
        return None
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is None:
        raise ValidationError(_("There is no campaign with the code %(code)s.") % {"code": code}, code="does_not_exist")
    return campaign


class ProgressParams(forms.Form):
    campaign = forms.CharField(label=gettext_lazy("campaign code"), max_length=50)
    phase = forms.IntegerField(label=gettext_lazy("phase"), required=False, min_value=1)

    def clean_campaign(self):
        return _campaign(self.cleaned_data["campaign"])

    def clean_phase(self):
        return _phase(self.cleaned_data["phase"])

    def clean(self):
        cleaned = super().clean()
        campaign, phase = cleaned.get("campaign"), cleaned.get("phase")
        if campaign and phase and phase.campaign_id != campaign.pk:
            self.add_error("phase", _("The phase belongs to another campaign."))
        return cleaned

    def stored(self) -> dict[str, Any]:
        phase = self.cleaned_data["phase"]
        return {"campaign": self.cleaned_data["campaign"].code, "phase": phase.pk if phase else None}


class RankingParams(forms.Form):
    phase = forms.IntegerField(label=gettext_lazy("phase"), min_value=1)
    rule = forms.CharField(label=gettext_lazy("award rule code"), max_length=30, required=False)

    def clean_phase(self):
        return _phase(self.cleaned_data["phase"])

    def clean(self):
        cleaned = super().clean()
        phase, code = cleaned.get("phase"), cleaned.get("rule")
        cleaned["rule"] = None
        if phase and code:
            rule = AwardRule.objects.filter(campaign_id=phase.campaign_id, code=code).first()
            if rule is None:
                self.add_error("rule", _("The phase's campaign has no award rule %(code)s.") % {"code": code})
            cleaned["rule"] = rule
        return cleaned

    def stored(self) -> dict[str, Any]:
        rule = self.cleaned_data["rule"]
        return {"phase": self.cleaned_data["phase"].pk, "rule": rule.code if rule else None}


def _award_statuses():
    from awards.models import Award

    return Award.Status.choices


class AwardsParams(forms.Form):
    phase = forms.IntegerField(label=gettext_lazy("phase"), required=False, min_value=1)
    campaign = forms.CharField(label=gettext_lazy("campaign code"), max_length=50, required=False)
    statuses = forms.MultipleChoiceField(label=gettext_lazy("statuses"), required=False, choices=_award_statuses)

    def clean_phase(self):
        return _phase(self.cleaned_data["phase"])

    def clean_campaign(self):
        return _campaign(self.cleaned_data["campaign"])

    def clean(self):
        cleaned = super().clean()
        phase, campaign = cleaned.get("phase"), cleaned.get("campaign")
        if "phase" in cleaned and "campaign" in cleaned and phase is None and campaign is None:
            raise ValidationError(_("Choose a phase or a campaign."))
        if phase and campaign and phase.campaign_id != campaign.pk:
            self.add_error("phase", _("The phase belongs to another campaign."))
        return cleaned

    def stored(self) -> dict[str, Any]:
        phase, campaign = self.cleaned_data["phase"], self.cleaned_data["campaign"]
        return {
            "phase": phase.pk if phase else None,
            "campaign": campaign.code if campaign else None,
            "statuses": list(self.cleaned_data["statuses"]) or None,
        }


class EnrollmentParams:
    """The enrollment filters of the API (``EnrollmentFilter``), by the same names."""

    def __init__(self, data: dict[str, Any]):
        # A single status may come as a string; the filter takes a list.
        self.data = {name: value for name, value in data.items() if value not in (None, "", [])}
        if isinstance(self.data.get("status"), str):
            self.data["status"] = [self.data["status"]]
        self.filterset = EnrollmentFilter(data=self.data, queryset=Enrollment.objects.none())
        self.errors: dict[str, list[str]] = {}

    def is_valid(self) -> bool:
        if not self.filterset.is_valid():
            self.errors = {
                name: [str(message) for message in messages] for name, messages in self.filterset.errors.items()
            }
        return not self.errors

    @property
    def fields(self):
        return self.filterset.form.fields

    def stored(self) -> dict[str, Any]:
        return dict(self.data)

    def filter(self, queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
        return EnrollmentFilter(data=self.data, queryset=queryset).qs


def _parsed(form_class, params: Any):
    """The parameters, validated; ValidationError with a message per parameter."""
    if not isinstance(params, dict):
        raise ValidationError({"params": [_("The parameters must be an object.")]})
    form = form_class(params)
    unknown = sorted(set(params) - set(form.fields))
    errors = {name: [_("Unknown parameter.")] for name in unknown}
    if not form.is_valid():
        for name, messages in form.errors.items():
            errors.setdefault(name, []).extend(str(message) for message in messages)
    if errors:
        raise ValidationError(errors)
    return form


# --- Who may ask ---------------------------------------------------------------------------


def progress_scope(user, campaign: Campaign) -> list[int] | None:
    """What of ``campaign``'s progress ``user`` may read: None for everything
    (staff who may view campaigns), else the ids of the organizations they
    manage (only their rows, of a running or closed campaign). Raises
    PermissionDenied for anyone else."""
    if user.is_authenticated and user.has_perm("campaigns.view_campaign"):
        return None
    if user.is_authenticated and campaign.status in PUBLISHED:
        organization_ids = sorted(user.managed_organizations.values_list("pk", flat=True))
        if organization_ids:
            return organization_ids
    raise PermissionDenied(_("You may not read this campaign's progress."))


def _check_progress(user, form) -> None:
    progress_scope(user, form.cleaned_data["campaign"])


def _require(perm: str, message: str) -> Callable:
    def check(user, form) -> None:
        if not (user.is_authenticated and user.has_perm(perm)):
            raise PermissionDenied(message)

    return check


def _check_ranking(user, form) -> None:
    from awards.permissions import leaderboard_access

    if not user.is_authenticated or leaderboard_access(user, form.cleaned_data["phase"].campaign) is None:
        raise PermissionDenied(_("You do not take part in this campaign."))


def _check_enrollments(user, form) -> None:
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to export enrollments."))
    if user.has_perm("enrollments.view_enrollment") or agent_of(user) is not None:
        return
    if user.managed_organizations.exists():
        return
    raise PermissionDenied(_("You have no enrollments to export."))


# --- What runs ---------------------------------------------------------------------------


def _run_progress(output, form, user) -> int:
    from reports.workbooks import write_progress

    campaign = form.cleaned_data["campaign"]
    return write_progress(
        output,
        campaign=campaign,
        phase=form.cleaned_data["phase"],
        organization_ids=progress_scope(user, campaign),
    )


def _run_ranking(output, form, user) -> int:
    from awards.permissions import leaderboard_access
    from awards.workbooks import write_ranking

    phase = form.cleaned_data["phase"]
    access = leaderboard_access(user, phase.campaign)
    return write_ranking(
        output,
        phase=phase,
        rule=form.cleaned_data["rule"],
        # The boards the requester may read: every one for staff, their own cluster's otherwise.
        allows=None if access.everything else access.allows,
    )


def _run_awards(output, form, user) -> int:
    from awards.workbooks import write_award_list

    return write_award_list(
        output,
        phase=form.cleaned_data["phase"],
        campaign=form.cleaned_data["campaign"],
        statuses=list(form.cleaned_data["statuses"]) or None,
    )


def _run_enrollments(output, form, user) -> int:
    from enrollments.workbooks import write_enrollments

    return write_enrollments(output, queryset=form.filter(enrollments_visible_to(user)))


def _stamp() -> str:
    return f"{timezone.localtime():%d-%m-%Y %Hh%M}"


def _progress_name(form) -> str:
    phase = form.cleaned_data["phase"]
    scope = phase.name if phase else "toàn phong trào"
    return f"Tiến độ {form.cleaned_data['campaign'].code} {scope} {_stamp()}.xlsx"


def _ranking_name(form) -> str:
    from awards.selectors import default_rule, phase_rules
    from awards.workbooks import ranking_filename

    phase = form.cleaned_data["phase"]
    rule = form.cleaned_data["rule"] or default_rule(phase_rules(phase))
    if rule is None:
        return f"Bảng xếp hạng {phase.campaign.code} {phase.name}.xlsx"
    return ranking_filename(phase, rule)


def _awards_name(form) -> str:
    from awards.workbooks import award_list_filename

    return award_list_filename(phase=form.cleaned_data["phase"], campaign=form.cleaned_data["campaign"])


def enrollments_filename(form=None) -> str:
    return f"Hồ sơ thu {_stamp()}.xlsx"


@dataclass(frozen=True)
class ExportKind:
    """One kind of export: its parameters, who may ask for it, the writer it calls.

    ``check`` refuses (PermissionDenied) a requester with no right to it;
    ``full_access`` is the permission by which staff may read anybody's job of
    this kind; ``run`` writes the workbook and returns its rows.
    """

    params: Callable[[dict], Any]
    check: Callable[[Any, Any], None]
    full_access: str
    run: Callable[[Any, Any, Any], int]
    filename: Callable[[Any], str]


EXPORTS: dict[str, ExportKind] = {
    ExportJob.Kind.RANKING: ExportKind(
        params=RankingParams,
        # Who reads the boards through the API reads them in the workbook (their clusters' sheets only).
        check=_check_ranking,
        full_access="campaigns.view_phase",
        run=_run_ranking,
        filename=_ranking_name,
    ),
    ExportJob.Kind.PROGRESS: ExportKind(
        params=ProgressParams,
        check=_check_progress,
        full_access="campaigns.view_campaign",
        run=_run_progress,
        filename=_progress_name,
    ),
    ExportJob.Kind.AWARDS: ExportKind(
        params=AwardsParams,
        check=_require("awards.view_award", gettext_lazy("Only staff who may view awards download award lists.")),
        full_access="awards.view_award",
        run=_run_awards,
        filename=_awards_name,
    ),
    ExportJob.Kind.ENROLLMENTS: ExportKind(
        params=EnrollmentParams,
        check=_check_enrollments,
        full_access="enrollments.view_enrollment",
        run=_run_enrollments,
        filename=enrollments_filename,
    ),
}


def export_params(*, kind: str, params: Any):
    """The parameters of a ``kind`` job, validated (ValidationError with a message per parameter)."""
    return _parsed(EXPORTS[kind].params, params)


# --- Services ---------------------------------------------------------------------------


def _enqueue(job_id: int) -> None:
    from campaigns.tasks import run_export

    run_export.delay(job_id)


@transaction.atomic
def export_job_request(*, kind: str, params: Any, by) -> ExportJob:
    """Validate and store a job for ``by``, and queue it once the transaction commits.

    Raises ValidationError (unknown kind; a message per bad parameter) or
    PermissionDenied (``by`` may not have this export)."""
    if kind not in EXPORTS:
        raise ValidationError({"kind": [_("Unknown export kind.")]})
    spec = EXPORTS[kind]
    form = _parsed(spec.params, params if params is not None else {})
    spec.check(by, form)
    job = ExportJob(kind=kind, params=form.stored(), requested_by=by, filename=spec.filename(form))
    job.full_clean()
    job.save()
    transaction.on_commit(partial(_enqueue, job.pk))
    return job


def _move(job_id: int, *, from_status: str, to_status: str, only: Q | None = None, **fields) -> bool:
    """Move the job from ``from_status`` (and matching ``only``) to ``to_status``
    in one conditional update; False when it was not in that state (someone else moved it)."""
    if to_status not in EXPORT_MOVES[from_status]:
        raise InvalidTransition(f"An export job cannot go from {from_status} to {to_status}.")
    condition = Q(pk=job_id, status=from_status) & (only or Q())
    return ExportJob.objects.filter(condition).update(status=to_status, **fields) == 1


def _claim(job_id: int, now) -> bool:
    if _move(job_id, from_status=ExportJob.Status.QUEUED, to_status=ExportJob.Status.RUNNING, started_at=now):
        return True
    # A job still running after the task's hard time limit lost its worker.
    stale = Q(started_at__lt=now - timedelta(seconds=settings.EXPORT_TIME_LIMIT))
    return _move(
        job_id, from_status=ExportJob.Status.RUNNING, to_status=ExportJob.Status.RUNNING, only=stale, started_at=now
    )


def _fail(job_id: int, started_at, message: str) -> None:
    _move(
        job_id,
        from_status=ExportJob.Status.RUNNING,
        to_status=ExportJob.Status.FAILED,
        only=Q(started_at=started_at),
        error=message[:ERROR_MAX_CHARS],
        finished_at=timezone.now(),
    )


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or type(exc).__name__


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Build the job's workbook, once. Returns the job as it ends (done or
    failed), or None when this call did nothing (no such job, or it is running
    elsewhere or already finished)."""
    now = timezone.now()
    if not _claim(job_id, now):
        return None
    job = ExportJob.objects.defer("content").select_related("requested_by").get(pk=job_id)
    spec = EXPORTS[job.kind]
    try:
        user = job.requested_by
        if user is None or not user.is_active:
            raise PermissionDenied(_("The user who asked for this export no longer has an account."))
        # Checked again: the phase may be gone, the requester's rights taken away since.
        form = _parsed(spec.params, job.params)
        spec.check(user, form)
        with tempfile.TemporaryFile() as output:
            rows = spec.run(output, form, user)
            size = output.seek(0, 2)
            output.seek(0)
            content = output.read()
    except SoftTimeLimitExceeded:
        _fail(job_id, now, _("The export took longer than %(n)d seconds.") % {"n": settings.EXPORT_SOFT_TIME_LIMIT})
    except (ValidationError, PermissionDenied) as exc:
        _fail(job_id, now, _message(exc))
    except Exception as exc:
        logger.exception("Export job %s (%s) failed", job_id, job.kind)
        _fail(job_id, now, f"{type(exc).__name__}: {exc}")
    else:
        _move(
            job_id,
            from_status=ExportJob.Status.RUNNING,
            to_status=ExportJob.Status.DONE,
            only=Q(started_at=now),
            content=content,
            size=size,
            rows=rows,
            finished_at=timezone.now(),
        )
    return ExportJob.objects.defer("content").get(pk=job_id)


def inline_max_rows() -> int:
    """Enrollment exports larger than this are built by a worker, not inline in a request."""
    return settings.EXPORT_INLINE_MAX_ROWS


# --- Reads -------------------------------------------------------------------------------


def export_jobs_of(user) -> QuerySet[ExportJob]:
    """The user's own jobs, newest first, without their files."""
    return ExportJob.objects.filter(requested_by=user).defer("content").order_by("-created_at", "-pk")


def export_job_visible(*, job: ExportJob, user) -> bool:
    """The requester sees their job; staff with the view permission see others'
    jobs of a kind they hold the full right to (e.g. every enrollment)."""
    if not user.is_authenticated:
        return False
    if job.requested_by_id == user.pk:
        return True
    return user.has_perm("campaigns.view_exportjob") and user.has_perm(EXPORTS[job.kind].full_access)
