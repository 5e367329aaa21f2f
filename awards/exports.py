"""The export jobs of the awards app: a phase's ranking and an award list.

Registered from ``AwardsConfig.ready()``. Who reads the boards through the API
reads them in the workbook: staff every cluster's sheet of the campaigns within
their reach, an agent or an organization's manager their own clusters' only.
Staff download the award lists of the campaigns within their reach. Both are
checked when the job is asked for and again when it runs.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from awards.models import Award
from awards.permissions import leaderboard_access
from awards.selectors import default_rule, phase_rules
from awards.workbooks import award_list_filename, ranking_filename, write_award_list, write_ranking
from campaigns.exports import CampaignField, PhaseField, same_campaign
from campaigns.models import AwardRule
from core.exports import ExportKind, register_export_kind
from core.reach import reach_allows, reach_filter, reach_of

# --- The ranking ------------------------------------------------------------------------------


class RankingParams(forms.Form):
    phase = PhaseField(label=gettext_lazy("phase"), min_value=1)
    rule = forms.CharField(label=gettext_lazy("award rule code"), max_length=30, required=False)

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


def _check_ranking(user, form: RankingParams) -> None:
    if not user.is_authenticated or leaderboard_access(user, form.cleaned_data["phase"].campaign) is None:
        raise PermissionDenied(_("You do not take part in this campaign."))


def _write_ranking(output, form: RankingParams, user) -> int:
    phase = form.cleaned_data["phase"]
    access = leaderboard_access(user, phase.campaign)
    return write_ranking(
        output,
        phase=phase,
        rule=form.cleaned_data["rule"],
        # The boards the requester may read: every one for staff, their own cluster's otherwise.
        allows=None if access.everything else access.allows,
    )


def _ranking_name(form: RankingParams) -> str:
    phase = form.cleaned_data["phase"]
    rule = form.cleaned_data["rule"] or default_rule(phase_rules(phase))
    if rule is None:
        return f"Bảng xếp hạng {phase.campaign.code} {phase.name}.xlsx"
    return ranking_filename(phase, rule)


RANKING = register_export_kind(
    ExportKind(
        name="ranking",
        label=gettext_lazy("Ranking"),
        params=RankingParams,
        check=_check_ranking,
        full_access="campaigns.view_phase",
        write=_write_ranking,
        filename=_ranking_name,
        params_help="`phase` (id), `rule` (code, optional)",
    )
)


# --- The award list ---------------------------------------------------------------------------


class AwardsParams(forms.Form):
    phase = PhaseField(label=gettext_lazy("phase"), required=False, min_value=1)
    campaign = CampaignField(label=gettext_lazy("campaign code"), required=False)
    statuses = forms.MultipleChoiceField(label=gettext_lazy("statuses"), required=False, choices=Award.Status.choices)

    def clean(self):
        cleaned = super().clean()
        phase, campaign = cleaned.get("phase"), cleaned.get("campaign")
        if "phase" in cleaned and "campaign" in cleaned and phase is None and campaign is None:
            raise ValidationError(_("Choose a phase or a campaign."))
        same_campaign(self, phase=phase, campaign=campaign)
        return cleaned

    def stored(self) -> dict[str, Any]:
        phase, campaign = self.cleaned_data["phase"], self.cleaned_data["campaign"]
        return {
            "phase": phase.pk if phase else None,
            "campaign": campaign.code if campaign else None,
            "statuses": list(self.cleaned_data["statuses"]) or None,
        }


def _check_awards(user, form: AwardsParams) -> None:
    if not (user.is_authenticated and user.has_perm("awards.view_award")):
        raise PermissionDenied(_("Only staff who may view awards download award lists."))
    reach = reach_of(user)
    chosen = [form.cleaned_data["phase"], form.cleaned_data["campaign"]]
    if any(item is not None and not reach_allows(item, reach) for item in chosen):
        raise PermissionDenied(_("This campaign belongs to another office."))


def _write_awards(output, form: AwardsParams, user) -> int:
    return write_award_list(
        output,
        phase=form.cleaned_data["phase"],
        campaign=form.cleaned_data["campaign"],
        statuses=list(form.cleaned_data["statuses"]) or list(Award.ACTIVE),
        awards=reach_filter(Award.objects.all(), reach_of(user)),
    )


def _awards_name(form: AwardsParams) -> str:
    return award_list_filename(phase=form.cleaned_data["phase"], campaign=form.cleaned_data["campaign"])


AWARDS = register_export_kind(
    ExportKind(
        name="awards",
        label=gettext_lazy("Award list"),
        params=AwardsParams,
        check=_check_awards,
        full_access="awards.view_award",
        write=_write_awards,
        filename=_awards_name,
        params_help="`phase` and/or `campaign`, `statuses` (list, optional)",
    )
)
