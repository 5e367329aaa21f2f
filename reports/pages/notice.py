"""The public notice of a phase's proposed results, and the appeals pages (DESIGN §11.1–2).

- ``…/phases/<n>/notice/``: the final boards of a finalized phase (read by
  ``awards.selectors`` as the leaderboard's are), each competitor's eligibility
  with its reason and proposed prize, and when the notice period ends. Public
  within the campaign (``awards.appeals.selectors.notice_readable``): whoever
  reads it reads every board of the phase.
- ``…/phases/<n>/appeal/``: the form to file an appeal while the notice runs.
- ``/appeals/``: the appeals the user sees, with their status and answer;
  ``/appeals/<id>/attachment/``: an appeal's file, to whoever sees the appeal.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from awards.appeals.api import attachment_response
from awards.appeals.rules import Subject, appealable_agents, appealable_teams, appealable_units
from awards.appeals.selectors import appeals_visible_to, ineligibility_reason, notice_readable, phase_notice
from awards.appeals.services import TEXT_MAX, appeal_file, appeal_problems
from awards.selectors import NoRanking, leaderboard_resolve
from campaigns.models import CompetitorKind, Phase
from core.errors import InvalidTransition
from enrollments.models import Enrollment
from reports.pages.common import campaign_or_404, cluster_param, forbidden
from reports.pages.leaderboard import board_page


def _phase_for(request: HttpRequest, code: str, number: int) -> Phase | HttpResponse:
    campaign = campaign_or_404(code)
    phase = get_object_or_404(Phase.objects.select_related("campaign"), campaign=campaign, number=number)
    if not notice_readable(request.user, campaign):
        return forbidden(request, _("You do not take part in this campaign."))
    return phase


def notice_page(request: HttpRequest, code: str, number: int) -> HttpResponse:
    phase = _phase_for(request, code, number)
    if isinstance(phase, HttpResponse):
        return phase
    campaign = phase.campaign
    notice = phase_notice(phase)
    context: dict = {"campaign": campaign, "phase": phase, "notice": notice, "board": None}
    if notice is None:
        return render(request, "pages/notice.html", context)
    try:
        choice = leaderboard_resolve(
            phase=phase, rule=request.GET.get("rule"), cluster=cluster_param(request), first_allowed=True
        )
    except NoRanking:
        return render(request, "pages/notice.html", context)
    except ValidationError as error:
        raise Http404("No such award rule or cluster.") from error
    board = board_page(choice=choice, page_number=request.GET.get("page"))
    for row in board.rows:
        row.reason = ineligibility_reason(row.board, rule=choice.rule, quotas=board.quotas)
    rule, cluster = choice.rule, choice.cluster

    def query(**changes) -> str:
        params = {"rule": rule.code, "cluster": cluster.pk if cluster else None, **changes}
        return "?" + urlencode({key: value for key, value in params.items() if value not in (None, "")})

    page = board.page
    context.update(
        {
            "board": board,
            "rule": rule,
            "cluster": cluster,
            "running": notice.running(),
            "rule_links": [{"rule": r, "url": "?" + urlencode({"rule": r.code})} for r in choice.rules],
            "clusters": [{"cluster": c, "url": query(cluster=c.pk, page=None)} for c in choice.boards if c is not None],
            "previous_url": query(page=page.number - 1) if page.has_previous else "",
            "next_url": query(page=page.number + 1) if page.has_next else "",
            "may_appeal": notice.running() and _may_appeal_someone(request.user),
        }
    )
    return render(request, "pages/notice.html", context)


def _may_appeal_someone(user) -> bool:
    return appealable_agents(user).exists() or appealable_teams(user).exists() or appealable_units(user).exists()


class AppealForm(forms.Form):
    """The appeal as the page files it: whose result (one of those the user may appeal about), an optional
    receipt number of one of that agent's enrollments, the text and an attachment."""

    subject = forms.ChoiceField(label=gettext_lazy("Whose result"))
    receipt_no = forms.CharField(
        label=gettext_lazy("Receipt number of the enrollment (optional)"), required=False, max_length=40
    )
    text = forms.CharField(
        label=gettext_lazy("What is wrong, and why"), widget=forms.Textarea(attrs={"rows": 6}), max_length=TEXT_MAX
    )
    attachment = forms.FileField(
        label=gettext_lazy("Attachment (PDF, JPEG, PNG, Word or Excel; optional)"), required=False
    )

    def __init__(self, *args, user, phase: Phase, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.phase = user, phase
        self.choices: dict[str, Subject] = {}
        for agent in appealable_agents(user).order_by("code"):
            self.choices[f"agent-{agent.pk}"] = Subject(kind=CompetitorKind.AGENT, agent=agent)
        for team in appealable_teams(user).order_by("name"):
            self.choices[f"team-{team.pk}"] = Subject(kind=CompetitorKind.TEAM, team=team)
        for unit in appealable_units(user).order_by("code"):
            self.choices[f"unit-{unit.pk}"] = Subject(kind=CompetitorKind.UNIT, unit=unit)
        self.fields["subject"].choices = [
            (key, f"{s.competitor.code} · {getattr(s.competitor, 'full_name', None) or s.competitor.name}")
            for key, s in self.choices.items()
        ]

    def clean(self):
        cleaned = super().clean()
        subject = self.choices.get(cleaned.get("subject", ""))
        receipt = (cleaned.get("receipt_no") or "").strip()
        if subject is not None and receipt:
            enrollment = (
                Enrollment.objects.filter(phase=self.phase, agent=subject.agent, receipt_no=receipt).first()
                if subject.agent is not None
                else None
            )
            if enrollment is None:
                self.add_error("receipt_no", _("No enrollment of this agent in this phase has this receipt number."))
            else:
                subject = Subject(kind=subject.kind, agent=subject.agent, enrollment=enrollment)
        cleaned["subject_value"] = subject
        return cleaned


FIELDS = {"agent": "subject", "team": "subject", "unit": "subject", "enrollment": "receipt_no"}


def _add_problems(form: AppealForm, problems: dict[str, list[str]]) -> None:
    """The service's field errors on the form's fields, where the form has not already refused that field."""
    for field, messages in problems.items():
        target = FIELDS.get(field, field if field in form.fields else None)
        if target is not None and target in form.errors:
            continue
        for message in messages:
            form.add_error(target, message)


def appeal_form(request: HttpRequest, code: str, number: int) -> HttpResponse:
    phase = _phase_for(request, code, number)
    if isinstance(phase, HttpResponse):
        return phase
    notice = phase_notice(phase)
    context = {"campaign": phase.campaign, "phase": phase, "notice": notice}
    if notice is None or not notice.running():
        return render(request, "pages/appeal_form.html", {**context, "closed": True})
    if not _may_appeal_someone(request.user):
        return forbidden(request, _("You have no result to appeal about in this campaign."))
    form = AppealForm(request.POST or None, request.FILES or None, user=request.user, phase=phase)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                appeal_file(
                    by=request.user,
                    phase=phase,
                    text=data["text"],
                    subject=data["subject_value"],
                    attachment=data.get("attachment"),
                )
            except ValidationError as error:
                _add_problems(form, error.message_dict)
            except InvalidTransition as error:
                form.add_error(None, str(error))
            else:
                return redirect(reverse("pages:appeals") + "?filed=1")
        else:
            # Every problem at once: the service's checks of what the form could read.
            data = form.cleaned_data
            problems = appeal_problems(
                by=request.user,
                phase=phase,
                text=data.get("text", ""),
                subject=data.get("subject_value"),
                attachment=data.get("attachment"),
            )
            _add_problems(form, problems)
    context["form"] = form
    return render(request, "pages/appeal_form.html", context, status=400 if form.errors else 200)


def appeals_page(request: HttpRequest) -> HttpResponse:
    appeals = (
        appeals_visible_to(request.user)
        .defer("attachment")
        .select_related("phase__campaign", "finalization", "correction")
        .order_by("-filed_at", "-pk")[:200]
    )
    return render(request, "pages/appeals.html", {"appeals": appeals, "filed": request.GET.get("filed") == "1"})


def appeal_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    return attachment_response(get_object_or_404(appeals_visible_to(request.user), pk=pk))
