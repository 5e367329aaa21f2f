"""Shapes of the standings, phase and award API. Input serializers only parse
the request; every rule lives in ``awards.selectors`` (reads) and
``awards.services`` (writes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from awards.models import Award, Finalization, Nomination
from awards.money import AwardMoney, award_money
from campaigns.models import Campaign, Phase, PrizeTier
from collectors.models import Agent, Unit
from core.reach import NOTHING, reach_filter
from core.times import ZonedDateTimeField, ZonedTimesMixin
from enrollments.contributions import ParameterTable

_SCORE = {"max_digits": 20, "decimal_places": 4, "coerce_to_string": False}


# --- Standings ----------------------------------------------------------------------


class StandingsQuerySerializer(serializers.Serializer):
    cluster = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Cluster id; required when the rule ranks per cluster.")
    )
    rule = serializers.CharField(
        required=False,
        max_length=50,
        help_text=_("Award rule code or id. Default: the campaign's first rule for agents that applies to the phase."),
    )


class PrizeSerializer(serializers.Serializer):
    title = serializers.CharField(help_text=_("The prize tier won."))
    amount = serializers.IntegerField(help_text=_("VND"))
    amount_estimate = serializers.BooleanField(
        source="estimate",
        help_text=_("True: a salary-based prize before its decision, priced at today's base salary."),
    )
    status = serializers.CharField(help_text=_("The award's status: proposed, reviewed or approved."))
    status_display = serializers.CharField()


class StandingRowSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text=_("Place on the leaderboard, everyone included."))
    rank = serializers.IntegerField(
        allow_null=True, help_text=_("Prize rank among the eligible; null if not eligible.")
    )
    kind = serializers.CharField(help_text=_("agent, team or unit"))
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    score = serializers.DecimalField(**_SCORE)
    target = serializers.DecimalField(allow_null=True, **_SCORE)
    eligible = serializers.BooleanField()
    barred = serializers.CharField(
        allow_null=True,
        help_text=_(
            "Why the competitor is not eligible although on the board: barred from commendation during the phase "
            "(reason and details); null otherwise."
        ),
    )
    reached_at = ZonedDateTimeField(
        allow_null=True,
        help_text=_("Receipt time of the last counted enrollment (in the campaign's time zone): who got there first."),
    )
    quota_counts = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("What counts towards each quota listed in `quotas`, in order.")
    )
    prize = PrizeSerializer(
        allow_null=True,
        required=False,
        help_text=_("Final standings only: the prize won, while its award stands; null for no prize."),
    )


class QuotaBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.CharField(allow_null=True)
    min_payment_months = serializers.IntegerField(allow_null=True)
    role = serializers.CharField(allow_null=True)
    cluster = serializers.IntegerField(source="cluster_id", allow_null=True)
    minimum = serializers.IntegerField()

    def to_representation(self, quota):
        data = super().to_representation(quota)
        return data | {"product": data["product"] or None, "role": data["role"] or None}


class RuleBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    competitor_kind = serializers.CharField()
    metric = serializers.CharField()
    selection = serializers.CharField()
    per_cluster = serializers.BooleanField()


class ClusterBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()


class PhaseBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()


class CampaignBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class StandingsPageSerializer(serializers.Serializer):
    """One page of a leaderboard (``awards.selectors.leaderboard_page``), with
    what it is the leaderboard of: read from ``choice`` (the board resolved),
    ``board`` (the page) and the ``next`` and ``previous`` links."""

    campaign = CampaignBriefSerializer(source="choice.phase.campaign")
    phase = PhaseBriefSerializer(source="choice.phase")
    rule = RuleBriefSerializer(source="choice.rule")
    cluster = ClusterBriefSerializer(source="choice.cluster", allow_null=True)
    final = serializers.BooleanField(
        source="board.final", help_text=_("True: the stored final standings; false: provisional, live.")
    )
    version = serializers.IntegerField(
        source="board.version", allow_null=True, help_text=_("The finalization version of final standings.")
    )
    finalized_at = serializers.SerializerMethodField()
    quotas = QuotaBriefSerializer(source="board.quotas", many=True)
    count = serializers.IntegerField(source="board.count")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StandingRowSerializer(source="board.rows", many=True)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_finalized_at(self, page):
        finalized_at = page["choice"].phase.finalized_at
        if not page["board"].final or finalized_at is None:
            return None
        return ZonedDateTimeField(zone="campaign.time_zone").to_representation(
            finalized_at.astimezone(page["choice"].phase.campaign.tzinfo)
        )

    def to_representation(self, page):
        # Every time of the board in its campaign's time zone.
        self._context = {**self.context, "time_zone": page["choice"].phase.campaign.time_zone}
        data = super().to_representation(page)
        if not data["final"]:  # a provisional board awards no prize yet
            for row in data["results"]:
                row.pop("prize", None)
        return data


# --- Phases -------------------------------------------------------------------------


class FinalizationSerializer(ZonedTimesMixin, serializers.ModelSerializer):
    time_zone_path = "phase.campaign.time_zone"

    changes = serializers.JSONField(
        allow_null=True,
        read_only=True,
        help_text=_("Winners gained and lost against the previous version; for staff who may view finalizations."),
    )

    class Meta:
        model = Finalization
        fields = ["version", "at", "trigger", "changes"]
        read_only_fields = fields


class PhaseSerializer(ZonedTimesMixin, serializers.ModelSerializer):
    campaign = CampaignBriefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    submission_deadline = ZonedDateTimeField(zone="campaign.time_zone")
    finalization = serializers.SerializerMethodField()
    standings_url = serializers.SerializerMethodField()

    class Meta:
        model = Phase
        fields = [
            "id",
            "campaign",
            "number",
            "name",
            "start",
            "cutoff",
            "submission_deadline",
            "status",
            "status_display",
            "closed_at",
            "finalized_at",
            "finalization",
            "standings_url",
        ]
        read_only_fields = fields

    def _current(self, phase: Phase) -> Finalization | None:
        # The view may hand the current finalization in; otherwise one query.
        if hasattr(phase, "current_finalization"):
            return phase.current_finalization
        return Finalization.objects.filter(phase=phase, current=True).first()

    @extend_schema_field(FinalizationSerializer(allow_null=True))
    def get_finalization(self, phase: Phase):
        current = self._current(phase)
        if current is None:
            return None
        data = FinalizationSerializer(current).data
        request = self.context.get("request")
        if request is None or not request.user.has_perm("awards.view_finalization"):
            data["changes"] = None  # proposed winners are for staff until decided
        return data

    def get_standings_url(self, phase: Phase) -> str:
        return reverse("api:phase-standings", args=[phase.pk], request=self.context.get("request"))


class ReasonInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class FinalizeAcceptedSerializer(serializers.Serializer):
    message = serializers.CharField()
    status_url = serializers.URLField(help_text=_("Read the phase here: its status becomes finalized when done."))
    phase = PhaseSerializer()


# --- Awards -------------------------------------------------------------------------


class RuleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class CompetitorSerializer(serializers.Serializer):
    kind = serializers.CharField(source="competitor_kind")
    id = serializers.IntegerField(source="competitor_id")
    code = serializers.CharField(source="competitor_code")
    name = serializers.CharField(source="competitor_name")


class TierBriefSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    title = serializers.CharField()
    distinction = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    number = serializers.CharField(source="decision_number")
    date = serializers.DateField(source="decision_date", allow_null=True)


class StandingBriefSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    rank = serializers.IntegerField(allow_null=True)
    score = serializers.DecimalField(**_SCORE)


class NominatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    job_title = serializers.CharField()
    distinction = serializers.CharField()
    amount = serializers.IntegerField(help_text=_("VND"))
    status = serializers.CharField()


class AwardSerializer(ZonedTimesMixin, serializers.ModelSerializer):
    """An award. Its ``amount`` is read from ``awards.money``: before the
    decision, a salary-based prize is an estimate at today's base salary
    (``amount_estimate`` true); once approved, the amount of the decision date."""

    time_zone_path = "phase.campaign.time_zone"

    amount = serializers.SerializerMethodField(
        help_text=_("VND: the amount of the decision date once approved; before, salary-based prizes are estimated.")
    )
    amount_estimate = serializers.SerializerMethodField(
        help_text=_("True: a salary-based prize before its decision, priced at today's base salary.")
    )
    amount_text = serializers.SerializerMethodField(help_text=_("The amount as shown to people."))

    campaign = serializers.CharField(source="phase.campaign.code", read_only=True)
    phase = PhaseBriefSerializer(read_only=True)
    rule = RuleRefSerializer(read_only=True)
    cluster = ClusterBriefSerializer(read_only=True, allow_null=True)
    competitor = CompetitorSerializer(source="*", read_only=True)
    tier = TierBriefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    decision = DecisionSerializer(source="*", read_only=True)
    version = serializers.IntegerField(source="finalization.version", read_only=True)
    standing = StandingBriefSerializer(read_only=True)
    nominations = serializers.SerializerMethodField(
        help_text=_("Individuals nominated under the award (rejected ones included, with their status).")
    )

    class Meta:
        model = Award
        fields = [
            "id",
            "campaign",
            "phase",
            "rule",
            "cluster",
            "competitor",
            "tier",
            "amount",
            "amount_estimate",
            "amount_text",
            "status",
            "status_display",
            "status_reason",
            "council_reference",
            "decision",
            "version",
            "standing",
            "nominations",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(NominatedSerializer(many=True))
    def get_nominations(self, award: Award) -> list:
        return NominatedSerializer(award.nominations.all(), many=True).data

    def _money(self, award: Award) -> AwardMoney:
        money = getattr(award, "_money", None)
        if money is None:
            if "parameters" not in self.context:  # loaded once for a whole list
                self.context["parameters"] = ParameterTable.load()
            money = award._money = award_money(award, parameters=self.context["parameters"])
        return money

    def get_amount(self, award: Award) -> int:
        return self._money(award).amount

    def get_amount_estimate(self, award: Award) -> bool:
        return self._money(award).estimate

    def get_amount_text(self, award: Award) -> str:
        return self._money(award).text


class AwardTotalsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = serializers.IntegerField(help_text=_("VND"))
    by_status = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text=_("Per status: count and amount."),
    )
    active = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Proposed, reviewed and approved awards: count and amount.")
    )
    nominations = serializers.JSONField(
        help_text=_(
            "Nominations under these awards and from outside the sector in their phases, rejected ones left out: "
            "count and amount, and those of the nominations from outside the sector (outside)."
        )
    )
    estimate = serializers.BooleanField(
        help_text=_("True: the amounts include salary-based prizes not decided yet, at today's base salary.")
    )


class ReviewInSerializer(serializers.Serializer):
    minutes = serializers.CharField(max_length=100, help_text=_("Reference of the council's minutes."))
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ApproveInSerializer(serializers.Serializer):
    decision_number = serializers.CharField(max_length=100)
    decision_date = serializers.DateField()


# --- Nominations --------------------------------------------------------------------


class UnitBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class NominationSerializer(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.code", read_only=True)
    phase = PhaseBriefSerializer(read_only=True, allow_null=True)
    award = serializers.IntegerField(source="award_id", read_only=True, allow_null=True)
    tier = TierBriefSerializer(read_only=True, allow_null=True)
    proposed_by_unit = UnitBriefSerializer(read_only=True, allow_null=True)
    agent = serializers.IntegerField(source="agent_id", read_only=True, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    decision = DecisionSerializer(source="*", read_only=True)

    class Meta:
        model = Nomination
        fields = [
            "id",
            "campaign",
            "phase",
            "award",
            "tier",
            "proposed_by_unit",
            "agent",
            "full_name",
            "job_title",
            "organization",
            "outside_sector",
            "collective",
            "distinction",
            "amount",
            "achievements",
            "status",
            "status_display",
            "status_reason",
            "council_reference",
            "decision",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class NominationInSerializer(serializers.Serializer):
    """A nomination: under a unit's ``award``, or from outside the sector in a ``campaign``
    (optionally its ``phase`` and the ``tier`` whose nominee distinction and amount it takes).
    The related rows offered are those within the caller's reach (``context["reach"]``)."""

    award = serializers.PrimaryKeyRelatedField(
        queryset=Award.objects.none(), required=False, allow_null=True, help_text=_("The winning unit's award id.")
    )
    campaign = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Campaign.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Campaign code: for a nomination from outside the sector."),
    )
    phase = serializers.PrimaryKeyRelatedField(
        queryset=Phase.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Phase id (outside the sector; default: the campaign's last phase)."),
    )
    tier = serializers.PrimaryKeyRelatedField(
        queryset=PrizeTier.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Prize tier id whose nominee distinction and amount apply (outside the sector)."),
    )
    agent = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.none(), required=False, allow_null=True)
    proposed_by_unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.none(), required=False, allow_null=True
    )
    full_name = serializers.CharField(max_length=200)
    job_title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    organization = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    collective = serializers.BooleanField(required=False, default=False)
    achievements = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    distinction = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text=_("Default: the tier's.")
    )
    amount = serializers.IntegerField(
        min_value=0,
        max_value=10**12,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("VND; default: the tier's."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reach = self.context.get("reach", NOTHING)
        self.fields["award"].queryset = reach_filter(Award.objects.all(), reach)
        self.fields["campaign"].queryset = reach_filter(Campaign.objects.all(), reach)
        self.fields["phase"].queryset = reach_filter(Phase.objects.all(), reach)
        self.fields["tier"].queryset = reach_filter(PrizeTier.objects.select_related("rule"), reach)
        self.fields["agent"].queryset = reach_filter(Agent.objects.all(), reach)
        self.fields["proposed_by_unit"].queryset = reach_filter(Unit.objects.all(), reach)

    def to_internal_value(self, data):
        """Every problem at once: the fields', and whether the nomination says under what it is made."""
        errors = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors, value = dict(exc.detail), {}
        given = data if hasattr(data, "get") else {}
        if (given.get("award") in (None, "")) == (given.get("campaign") in (None, "")):
            message = _("Give the unit's award, or the campaign of a nomination from outside the sector: one of them.")
            errors["award"] = [*errors.get("award", []), message]
        if errors:
            raise serializers.ValidationError(errors)
        return value
