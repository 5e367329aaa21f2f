"""Shapes of ``GET /api/v1/me/progress/``: they read the figures of
``reports.agent_progress`` as they are, and hold no rule."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.times import ZonedDateTimeField


class MyProgressQuotaSerializer(serializers.Serializer):
    product = serializers.CharField(allow_null=True, help_text=_("Null: all products."))
    min_payment_months = serializers.IntegerField(allow_null=True)
    minimum = serializers.IntegerField()
    counted = serializers.IntegerField()
    remaining = serializers.IntegerField()
    met = serializers.BooleanField()


class MyProgressAwardSerializer(serializers.Serializer):
    tier = serializers.CharField(help_text=_("Title of the prize tier."))
    amount = serializers.IntegerField(help_text=_("VND"))
    amount_estimate = serializers.BooleanField(
        source="estimate",
        help_text=_("True: a salary-based prize before its decision, priced at today's base salary."),
    )
    status = serializers.CharField(help_text=_("proposed, reviewed, approved, rejected or revoked"))


class MyProgressClusterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()


class MyProgressPhaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="phase.pk")
    number = serializers.IntegerField(source="phase.number")
    name = serializers.CharField(source="phase.name")
    # In the campaign's time zone, as every time of the API.
    start = ZonedDateTimeField(source="phase.start", zone="phase.campaign.time_zone")
    cutoff = ZonedDateTimeField(source="phase.cutoff", zone="phase.campaign.time_zone")
    status = serializers.CharField(source="phase.status")
    counted = serializers.IntegerField(help_text=_("New participants counted, submitted or confirmed."))
    counted_by_product = serializers.DictField(child=serializers.IntegerField(), source="by_product")
    quotas = MyProgressQuotaSerializer(many=True)
    rank = serializers.IntegerField(
        source="place.rank",
        allow_null=True,
        help_text=_("The prize rank when eligible, else the place on the leaderboard."),
    )
    position = serializers.IntegerField(source="place.position", allow_null=True)
    eligible = serializers.BooleanField(source="place.eligible", allow_null=True)
    barred = serializers.CharField(
        source="place.barred",
        allow_null=True,
        help_text=_("Why the agent is not eligible: barred from commendation during the phase; null otherwise."),
    )
    competitors = serializers.IntegerField(source="place.competitors", allow_null=True)
    rule = serializers.CharField(source="place.rule", allow_null=True, help_text=_("The award rule ranking the agent."))
    provisional = serializers.BooleanField(help_text=_("False once the phase is finalized."))
    award = MyProgressAwardSerializer(allow_null=True, help_text=_("The agent's award for the phase, if any."))


class MyProgressCampaignSerializer(serializers.Serializer):
    code = serializers.CharField(source="campaign.code")
    name = serializers.CharField(source="campaign.name")
    cluster = MyProgressClusterSerializer(allow_null=True)
    phases = MyProgressPhaseSerializer(many=True)


class MyProgressSerializer(serializers.Serializer):
    agent = serializers.CharField(source="agent.code")
    campaigns = MyProgressCampaignSerializer(many=True)


class ProgressProductSerializer(serializers.Serializer):
    product = serializers.CharField()
    counted = serializers.IntegerField()
    plan = serializers.IntegerField(allow_null=True, help_text=_("Null: no plan."))
    percent = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True, help_text=_("Of the plan."))


class ProgressFigureSerializer(serializers.Serializer):
    """One figure: what was counted per product, against the plan of each product and in all."""

    counted = serializers.IntegerField(help_text=_("All products together."))
    plan = serializers.IntegerField(allow_null=True, help_text=_("Null: no plan."))
    percent = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True, help_text=_("Of the plan."))
    by_product = ProgressProductSerializer(many=True)


class ProgressClusterSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text=_("Null: counted outside every cluster."))
    name = serializers.CharField()
    figure = ProgressFigureSerializer()


class CampaignProgressSerializer(serializers.Serializer):
    campaign = serializers.CharField(help_text=_("The campaign's code."))
    phase = serializers.IntegerField(allow_null=True, help_text=_("The phase id; null: the whole campaign."))
    on = serializers.DateField(allow_null=True, help_text=_("The day the figures are cut at; null: now."))
    total = ProgressFigureSerializer(help_text=_("New participants counted, against the plan."))
    clusters = ProgressClusterSerializer(many=True)
    covered_on = serializers.DateField(help_text=_("The day the people covered are counted on."))
    covered = ProgressFigureSerializer(
        allow_null=True, help_text=_("People covered on that day against the plan of people covered (staff only).")
    )
