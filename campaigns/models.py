"""The rules of a campaign: phases, clusters, teams, quotas, plan targets,
indicators, award rules and prize tiers."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from campaigns.choices import Product
from collectors.models import Agent, Locality, ServiceOrganization, Unit, code_validator


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value}) from None


def validate_products(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one product."))
    unknown = [item for item in value if item not in Product.values]
    if unknown:
        raise ValidationError(_("Unknown products: %(items)s."), params={"items": ", ".join(map(str, unknown))})
    if len(set(value)) != len(value):
        raise ValidationError(_("A product is listed twice."))


class CompetitorKind(models.TextChoices):
    AGENT = "agent", _("Agent")
    TEAM = "team", _("Team")
    UNIT = "unit", _("BHXH unit")


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=300)
    theme = models.TextField(_("theme"), blank=True)
    description = models.TextField(_("description"), blank=True)
    launch_reference = models.CharField(
        _("launching document"),
        max_length=200,
        blank=True,
        help_text=_("The document that launched the campaign, e.g. Công văn số 4494/BHXH-TĐKT."),
    )
    organizer = models.ForeignKey(
        Unit, verbose_name=_("organizer"), on_delete=models.PROTECT, related_name="organized_campaigns"
    )
    products = models.JSONField(
        _("products counted"),
        default=list,
        validators=[validate_products],
        help_text=_("Which products' enrollments count: VSI, HHI or both."),
    )
    new_participant_gap_months = models.PositiveSmallIntegerField(
        _("new-participant gap (months)"),
        default=12,
        validators=[MinValueValidator(1)],
        help_text=_("A participant whose earlier coverage ended at least this long ago counts as new again."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Ho_Chi_Minh", validators=[validate_time_zone]
    )
    review_period = models.DurationField(
        _("review period"),
        null=True,
        blank=True,
        help_text=_("Finalize a closed phase automatically after this long; empty means staff finalize by hand."),
    )
    notice_days = models.PositiveSmallIntegerField(
        _("notice period (working days)"),
        default=5,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "How many working days the proposed results of a finalized phase are published for appeals "
            "before the awards may be approved (weekends and public holidays skipped)."
        ),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "code"]
        constraints = [
            models.CheckConstraint(
                name="campaign_gap_at_least_one_month",
                condition=Q(new_participant_gap_months__gte=1),
                violation_error_message=_("The new-participant gap must be at least one month."),
            ),
            models.CheckConstraint(
                name="campaign_review_period_not_negative",
                condition=Q(review_period__isnull=True) | Q(review_period__gte=timedelta(0)),
                violation_error_message=_("The review period cannot be negative."),
            ),
        ]
        indexes = [models.Index(fields=["status"], name="campaign_status_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Phase(models.Model):
    """A period of the campaign. A receipt belongs to the phase whose
    [start, cutoff) contains it; submissions are taken until cutoff + grace."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        FINALIZED = "finalized", _("Finalized")

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=200)
    start = models.DateTimeField(_("start"))
    cutoff = models.DateTimeField(_("cutoff"), help_text=_("Receipts from this moment on no longer count."))
    grace = models.DurationField(
        _("submission grace"),
        default=timedelta(days=1),
        help_text=_("How long after the cutoff agents may still submit receipts dated before it."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("finalized at"), null=True, blank=True)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["campaign", "number"]
        permissions = [
            ("close_phase", _("Can close a phase")),
            ("finalize_phase", _("Can finalize a phase")),
            ("reopen_phase", _("Can reopen a phase")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"],
                name="phase_unique_number_per_campaign",
                violation_error_message=_("The campaign already has a phase with this number."),
            ),
            models.CheckConstraint(
                name="phase_start_before_cutoff",
                condition=Q(start__lt=F("cutoff")),
                violation_error_message=_("The cutoff must be after the start."),
            ),
            models.CheckConstraint(
                name="phase_grace_not_negative",
                condition=Q(grace__gte=timedelta(0)),
                violation_error_message=_("The submission grace cannot be negative."),
            ),
        ]
        indexes = [
            # The periodic close task polls phases still taking submissions.
            models.Index(
                fields=["cutoff"],
                name="phase_pending_close_idx",
                condition=Q(status__in=["scheduled", "open"]),
            ),
            # Intake finds the phase containing a receipt.
            models.Index(fields=["campaign", "start", "cutoff"], name="phase_campaign_window_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} · {self.name}"

    @property
    def submission_deadline(self):
        return self.cutoff + self.grace

    def clean(self) -> None:
        super().clean()
        if self.start and self.cutoff and self.campaign_id:
            overlapping = Phase.objects.filter(
                campaign_id=self.campaign_id, start__lt=self.cutoff, cutoff__gt=self.start
            ).exclude(pk=self.pk)
            if overlapping.exists():
                raise ValidationError(_("Phases of a campaign cannot overlap."))


class PhaseTransition(models.Model):
    """One change of a phase's status: who, when and why."""

    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from status"), max_length=10, choices=Phase.Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=10, choices=Phase.Status.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("phase status change")
        verbose_name_plural = _("phase status changes")
        ordering = ["phase", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.phase}: {self.from_status or '–'} → {self.to_status}"


class Team(models.Model):
    """A propaganda team (tổ tuyên truyền), usually one per ward or commune."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="teams")
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    locality = models.ForeignKey(
        Locality, verbose_name=_("locality"), on_delete=models.PROTECT, null=True, blank=True, related_name="teams"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("BHXH unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="teams"
    )
    members = models.ManyToManyField(Agent, verbose_name=_("members"), blank=True, related_name="teams")

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["campaign", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "code"],
                name="team_unique_code_per_campaign",
                violation_error_message=_("The campaign already has a team with this code."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Cluster(models.Model):
    """A group of competitors ranked against each other (cụm / khối thi đua).

    Members are given by the localities they serve (a locality includes its
    children) and/or explicitly as agents, teams or units.
    """

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="clusters"
    )
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=200)
    localities = models.ManyToManyField(Locality, verbose_name=_("localities"), blank=True, related_name="clusters")
    agents = models.ManyToManyField(Agent, verbose_name=_("agents"), blank=True, related_name="clusters")
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="clusters")
    units = models.ManyToManyField(Unit, verbose_name=_("units"), blank=True, related_name="clusters")

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"],
                name="cluster_unique_number_per_campaign",
                violation_error_message=_("The campaign already has a cluster with this number."),
            ),
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="cluster_unique_name_per_campaign",
                violation_error_message=_("The campaign already has a cluster with this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Quota(models.Model):
    """The minimum a competitor must reach to be eligible. Every scope is optional:
    an empty phase means every phase, an empty cluster every cluster, and so on."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="quotas")
    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.CASCADE, null=True, blank=True, related_name="quotas"
    )
    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, null=True, blank=True, related_name="quotas"
    )
    competitor_kind = models.CharField(
        _("competitor kind"), max_length=10, choices=CompetitorKind.choices, default=CompetitorKind.AGENT
    )
    role = models.CharField(_("role"), max_length=10, choices=Agent.Role.choices, blank=True)
    product = models.CharField(_("product"), max_length=3, choices=Product.choices, blank=True)
    min_payment_months = models.PositiveSmallIntegerField(
        _("minimum payment period (months)"),
        null=True,
        blank=True,
        help_text=_("Count only enrollments paying for at least this many months."),
    )
    minimum = models.PositiveIntegerField(_("minimum"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["campaign", "phase", "cluster", "role", "product"]
        constraints = [
            models.CheckConstraint(
                name="quota_minimum_positive",
                condition=Q(minimum__gte=1),
                violation_error_message=_("A quota must be at least 1."),
            ),
            models.CheckConstraint(
                name="quota_role_only_for_agents",
                condition=Q(role="") | Q(competitor_kind="agent"),
                violation_error_message=_("A role can only be set on an agent quota."),
            ),
        ]

    def __str__(self) -> str:
        return f"≥ {self.minimum} {self.product or ''}".strip()

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.phase_id and self.campaign_id and self.phase.campaign_id != self.campaign_id:
            errors["phase"] = _("The phase belongs to another campaign.")
        if self.cluster_id and self.campaign_id and self.cluster.campaign_id != self.campaign_id:
            errors["cluster"] = _("The cluster belongs to another campaign.")
        if errors:
            raise ValidationError(errors)


class PlanTarget(models.Model):
    """The expected total (kế hoạch giao) for one scope: a locality, unit,
    organization, team, cluster or the whole campaign. It plans new
    participants, or (for the whole campaign only) the people covered on a date:
    the stock an office reports against the year's plan (DESIGN §13)."""

    class Measure(models.TextChoices):
        NEW = "new", _("New participants")
        COVERED = "covered", _("People covered")

    class Scope(models.TextChoices):
        CAMPAIGN = "campaign", _("Whole campaign")
        CLUSTER = "cluster", _("Cluster")
        LOCALITY = "locality", _("Locality")
        UNIT = "unit", _("BHXH unit")
        ORGANIZATION = "organization", _("Service organization")
        TEAM = "team", _("Team")

    SCOPE_FIELDS = ("cluster", "locality", "unit", "organization", "team")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="plan_targets"
    )
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    locality = models.ForeignKey(
        Locality, verbose_name=_("locality"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("BHXH unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        ServiceOrganization,
        verbose_name=_("service organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True, related_name="plan_targets"
    )
    product = models.CharField(
        _("product"), max_length=3, choices=Product.choices, blank=True, help_text=_("Empty: all products counted.")
    )
    phase = models.ForeignKey(
        Phase,
        verbose_name=_("phase"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="plan_targets",
        help_text=_("Empty: the whole campaign."),
    )
    measure = models.CharField(
        _("measure"),
        max_length=8,
        choices=Measure.choices,
        default=Measure.NEW,
        help_text=_("New participants in the period, or the people covered on a date (whole campaign only)."),
    )
    target = models.PositiveIntegerField(_("target"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        ordering = ["campaign", "scope", "pk"]
        constraints = [
            models.CheckConstraint(
                name="plantarget_scope_matches_target",
                condition=(
                    Q(scope="campaign", cluster=None, locality=None, unit=None, organization=None, team=None)
                    | Q(scope="cluster", cluster__isnull=False, locality=None, unit=None, organization=None, team=None)
                    | Q(scope="locality", locality__isnull=False, cluster=None, unit=None, organization=None, team=None)
                    | Q(scope="unit", unit__isnull=False, cluster=None, locality=None, organization=None, team=None)
                    | Q(
                        scope="organization",
                        organization__isnull=False,
                        cluster=None,
                        locality=None,
                        unit=None,
                        team=None,
                    )
                    | Q(scope="team", team__isnull=False, cluster=None, locality=None, unit=None, organization=None)
                ),
                violation_error_message=_("Set exactly the field the scope names, and no other."),
            ),
            models.CheckConstraint(
                name="plantarget_target_positive",
                condition=Q(target__gte=1),
                violation_error_message=_("A plan target must be at least 1."),
            ),
            models.CheckConstraint(
                name="plantarget_covered_for_whole_campaign",
                condition=Q(measure="new") | Q(measure="covered", scope="campaign", phase=None),
                violation_error_message=_("A plan of people covered is set for the whole campaign, without a phase."),
            ),
        ]

    def __str__(self) -> str:
        subject = getattr(self, self.scope) if self.scope != self.Scope.CAMPAIGN else self.campaign
        return f"{subject}: {self.target}"


class Indicator(models.Model):
    """A criterion on which collectives are judged, e.g. SI participants as a
    share of the labour force (≥ 26.8%) or the debt ratio (< 0.9%)."""

    class Comparator(models.TextChoices):
        AT_LEAST = "gte", _("at least (≥)")
        AT_MOST = "lte", _("at most (≤)")
        MORE_THAN = "gt", _("more than (>)")
        LESS_THAN = "lt", _("less than (<)")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    name = models.CharField(_("name"), max_length=300)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=30, blank=True)
    comparator = models.CharField(_("comparator"), max_length=3, choices=Comparator.choices)
    default_target = models.DecimalField(_("default target"), max_digits=18, decimal_places=4)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["campaign", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "code"],
                name="indicator_unique_code_per_campaign",
                violation_error_message=_("The campaign already has an indicator with this code."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorTarget(models.Model):
    """A unit's own target for an indicator, where it differs from the default."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="targets"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("BHXH unit"), on_delete=models.PROTECT, related_name="+")
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=4)

    class Meta:
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        ordering = ["indicator", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit"],
                name="indicatortarget_unique_per_unit",
                violation_error_message=_("This unit already has a target for the indicator."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.unit}: {self.target}"


class IndicatorValue(models.Model):
    """The value a unit reported (or was measured at) for an indicator in a phase."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="values"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("BHXH unit"), on_delete=models.PROTECT, related_name="+")
    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["phase", "indicator", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "phase"],
                name="indicatorvalue_unique_per_unit_phase",
                violation_error_message=_("This unit already has a value for the indicator in this phase."),
            ),
        ]
        indexes = [
            # Scoring reads all values of a phase at once.
            models.Index(fields=["phase", "unit"], name="indicatorvalue_phase_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.unit}: {self.value}"


class AwardRule(models.Model):
    """How winners are chosen: who competes, on which metric, over which period,
    and whether tiers go to the best (ranked) or to everyone over a threshold."""

    class Scope(models.TextChoices):
        PHASE = "phase", _("Each phase")
        CAMPAIGN = "campaign", _("Whole campaign")

    class Metric(models.TextChoices):
        COUNT = "count", _("New participants counted")
        REVENUE = "revenue", _("Contributions collected (VND)")
        PERCENT_OF_TARGET = "percent_of_target", _("Percent of plan target")
        INDICATORS = "indicators", _("Collective indicators")

    class Selection(models.TextChoices):
        RANKED = "ranked", _("Ranked: best first")
        THRESHOLD = "threshold", _("Threshold: everyone who reaches it")

    class TiePolicy(models.TextChoices):
        REACHED_AT = "reached_at", _("Earlier reached, then code")
        SHARE = "share", _("Tied competitors share the position")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="award_rules"
    )
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    name = models.CharField(_("name"), max_length=300)
    scope = models.CharField(_("period"), max_length=10, choices=Scope.choices, default=Scope.PHASE)
    phase = models.ForeignKey(
        Phase,
        verbose_name=_("phase"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="award_rules",
        help_text=_("Only this phase; empty means every phase."),
    )
    per_cluster = models.BooleanField(_("ranked per cluster"), default=True)
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("cluster"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="award_rules",
        help_text=_("Only this cluster; empty means every cluster."),
    )
    competitor_kind = models.CharField(
        _("competitor kind"), max_length=10, choices=CompetitorKind.choices, default=CompetitorKind.AGENT
    )
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices, default=Metric.COUNT)
    product = models.CharField(
        _("product"), max_length=3, choices=Product.choices, blank=True, help_text=_("Empty: all products counted.")
    )
    min_payment_months = models.PositiveSmallIntegerField(_("minimum payment period (months)"), null=True, blank=True)
    role = models.CharField(
        _("role"), max_length=10, choices=Agent.Role.choices, blank=True, help_text=_("Empty: every role.")
    )
    selection = models.CharField(_("selection"), max_length=10, choices=Selection.choices, default=Selection.RANKED)
    threshold = models.DecimalField(_("threshold"), max_digits=18, decimal_places=4, null=True, blank=True)
    requires_quota = models.BooleanField(_("requires every quota"), default=True)
    tie_policy = models.CharField(
        _("tie policy"), max_length=12, choices=TiePolicy.choices, default=TiePolicy.REACHED_AT
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("award rule")
        verbose_name_plural = _("award rules")
        ordering = ["campaign", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "code"],
                name="awardrule_unique_code_per_campaign",
                violation_error_message=_("The campaign already has an award rule with this code."),
            ),
            models.CheckConstraint(
                name="awardrule_threshold_iff_threshold_selection",
                condition=Q(selection="threshold", threshold__isnull=False)
                | Q(selection="ranked", threshold__isnull=True),
                violation_error_message=_("A threshold rule needs a threshold, and a ranked rule must not have one."),
            ),
            models.CheckConstraint(
                name="awardrule_indicators_only_for_units",
                condition=~Q(metric="indicators") | Q(competitor_kind="unit"),
                violation_error_message=_("Only BHXH units are judged on collective indicators."),
            ),
            models.CheckConstraint(
                name="awardrule_campaign_scope_has_no_phase",
                condition=Q(scope="phase") | Q(phase__isnull=True),
                violation_error_message=_("A whole-campaign rule cannot be limited to one phase."),
            ),
            models.CheckConstraint(
                name="awardrule_role_only_for_agents",
                condition=Q(role="") | Q(competitor_kind="agent"),
                violation_error_message=_("A role filter only applies to agents."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.phase_id and self.campaign_id and self.phase.campaign_id != self.campaign_id:
            errors["phase"] = _("The phase belongs to another campaign.")
        if self.cluster_id and self.campaign_id and self.cluster.campaign_id != self.campaign_id:
            errors["cluster"] = _("The cluster belongs to another campaign.")
        if errors:
            raise ValidationError(errors)


class PrizeTier(models.Model):
    """One prize of a rule: its position, title, how many winners and the money."""

    class Money(models.TextChoices):
        NONE = "none", _("No money")
        FIXED = "fixed", _("Fixed amount")
        PER_HEADCOUNT = "per_headcount", _("Amount × unit headcount")
        SALARY_COEFFICIENT = "salary_coefficient", _("Coefficient × base salary, rounded up to 10,000 VND")

    rule = models.ForeignKey(AwardRule, verbose_name=_("award rule"), on_delete=models.CASCADE, related_name="tiers")
    position = models.PositiveSmallIntegerField(_("position"), validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=200, help_text=_("For example: Giải Nhất."))
    distinction = models.CharField(
        _("distinction"),
        max_length=200,
        blank=True,
        help_text=_("The certificate that goes with the prize, e.g. Bằng khen của Tổng Giám đốc."),
    )
    winners = models.PositiveSmallIntegerField(
        _("number of winners"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no limit (threshold rules)."),
    )
    money = models.CharField(_("money"), max_length=20, choices=Money.choices, default=Money.NONE)
    amount = models.PositiveBigIntegerField(_("amount (VND)"), null=True, blank=True)
    coefficient = models.DecimalField(_("coefficient"), max_digits=6, decimal_places=2, null=True, blank=True)
    nominees_per_winner = models.PositiveSmallIntegerField(
        _("individuals nominated per winner"),
        default=0,
        help_text=_("A winning unit may nominate this many of its best individuals."),
    )
    nominee_distinction = models.CharField(_("nominee distinction"), max_length=200, blank=True)
    nominee_amount = models.PositiveBigIntegerField(_("amount per nominee (VND)"), null=True, blank=True)

    class Meta:
        verbose_name = _("prize tier")
        verbose_name_plural = _("prize tiers")
        ordering = ["rule", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "position"],
                name="prizetier_unique_position_per_rule",
                violation_error_message=_("The rule already has a prize at this position."),
            ),
            models.CheckConstraint(
                name="prizetier_money_fields_match_kind",
                condition=Q(money="none", amount__isnull=True, coefficient__isnull=True)
                | Q(money__in=["fixed", "per_headcount"], amount__isnull=False, coefficient__isnull=True)
                | Q(money="salary_coefficient", coefficient__isnull=False, coefficient__gt=0, amount__isnull=True),
                violation_error_message=_(
                    "Fixed and per-headcount prizes need an amount, a salary prize a coefficient, and nothing else."
                ),
            ),
            models.CheckConstraint(
                name="prizetier_winners_positive",
                condition=Q(winners__isnull=True) | Q(winners__gte=1),
                violation_error_message=_("A prize needs at least one winner."),
            ),
            models.CheckConstraint(
                name="prizetier_nominee_money_needs_nominees",
                condition=Q(nominee_amount__isnull=True) | Q(nominees_per_winner__gte=1),
                violation_error_message=_("Money per nominee needs at least one nominee per winner."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.title}"


class PublicHoliday(models.Model):
    """A day off nationwide (Tết, Independence Day, …): not a working day of a
    notice period. Data, entered by staff year by year; weekends are never working days."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} · {self.name}"
