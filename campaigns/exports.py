"""Export parameters that name a campaign or a phase.

The export kinds of the apps above (rankings and award lists, progress) take
these fields in their parameter forms: each cleans to the stored object, or
says which one is missing.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Phase


class PhaseField(forms.IntegerField):
    """A phase by its id: the phase (with its campaign), or None when left out."""

    def clean(self, value) -> Phase | None:
        pk = super().clean(value)
        if pk is None:
            return None
        phase = Phase.objects.select_related("campaign").filter(pk=pk).first()
        if phase is None:
            raise ValidationError(_("There is no phase %(id)s.") % {"id": pk}, code="does_not_exist")
        return phase


class CampaignField(forms.CharField):
    """A campaign by its code: the campaign, or None when left out."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 50)
        super().__init__(**kwargs)

    def clean(self, value) -> Campaign | None:
        code = super().clean(value)
        if not code:
            return None
        campaign = Campaign.objects.filter(code=code).first()
        if campaign is None:
            raise ValidationError(
                _("There is no campaign with the code %(code)s.") % {"code": code}, code="does_not_exist"
            )
        return campaign


def same_campaign(form: forms.Form, *, phase: Phase | None, campaign: Campaign | None) -> None:
    """Mark the form's phase as wrong when it belongs to another campaign than the one chosen."""
    if phase and campaign and phase.campaign_id != campaign.pk:
        form.add_error("phase", _("The phase belongs to another campaign."))
