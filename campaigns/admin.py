"""Admin for campaigns and their rules: phases, clusters, teams, quotas, plan
targets, indicators, award rules and prize tiers.

Every page is scoped to the offices the user reaches: a campaign belongs to its
organizer, and its rules to the campaign (``core.admin_helpers.ReachAdminMixin``).

The campaign page carries the whole set-up as inlines. Prize tiers are edited on
each award rule's own page (the campaign page shows a read-only summary and a
link): nesting formsets two levels deep would need a third-party admin that
replaces the change form and its JavaScript.
"""

from __future__ import annotations

from itertools import pairwise

from django import forms
from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.formats import get_format, number_format
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from campaigns.admin_actions import CAMPAIGN_BUTTONS, start_campaigns
from campaigns.admin_definition import CampaignDefinitionAdminMixin
from campaigns.choices import Product
from campaigns.imports import INDICATOR_VALUE_COLUMNS, indicator_values_import
from campaigns.models import (
    AwardRule,
    Campaign,
    Cluster,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Phase,
    PhaseTransition,
    PlanTarget,
    PrizeTier,
    PublicHoliday,
    Quota,
    Team,
)
from core.admin_actions import ObjectActionsAdminMixin
from core.admin_helpers import (
    UNSCOPED,
    FixedQueryAdminMixin,
    PhaseListFilter,
    PreloadedAutocompleteForm,
    ReachAdminMixin,
    ReadOnlyHistoryAdmin,
    ReadOnlyHistoryInline,
    local_datetime,
)
from core.admin_imports import ExcelImport, ExcelImportAdminMixin
from core.formatting import duration_text
from core.reach import reach_of


def _m2m_count(model, field_name: str) -> Coalesce:
    """How many rows a many-to-many field of ``model`` links, as a subquery: one
    LEFT JOIN per field would multiply the rows (agents × localities × …)."""
    through = model._meta.get_field(field_name).remote_field.through
    owner = f"{model._meta.model_name}_id"
    counts = (
        through.objects.filter(**{owner: OuterRef("pk")}).order_by().values(owner).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _with_member_counts(clusters):
    return clusters.annotate(
        locality_count=_m2m_count(Cluster, "localities"),
        agent_count=_m2m_count(Cluster, "agents"),
        team_count=_m2m_count(Cluster, "teams"),
        unit_count=_m2m_count(Cluster, "units"),
    )


def _cluster_members(cluster) -> str:
    parts = [
        ngettext("%(count)d locality", "%(count)d localities", cluster.locality_count),
        ngettext("%(count)d agent", "%(count)d agents", cluster.agent_count),
        ngettext("%(count)d team", "%(count)d teams", cluster.team_count),
        ngettext("%(count)d unit", "%(count)d units", cluster.unit_count),
    ]
    counts = [cluster.locality_count, cluster.agent_count, cluster.team_count, cluster.unit_count]
    return ", ".join(part % {"count": count} for part, count in zip(parts, counts, strict=True) if count)


def _grouped(amount: int) -> str:
    """5.000.000 in Vietnamese, 5,000,000 in English (the vi locale sets no grouping size)."""
    return f"{amount:,}".replace(",", get_format("THOUSAND_SEPARATOR"))


def _tier_line(tier: PrizeTier) -> str:
    winners = tier.winners if tier.winners is not None else _("no limit")
    line = _("%(title)s × %(winners)s") % {"title": tier.title, "winners": winners}
    if tier.money == PrizeTier.Money.FIXED:
        money = _("%(amount)s VND") % {"amount": _grouped(tier.amount)}
    elif tier.money == PrizeTier.Money.PER_HEADCOUNT:
        money = _("%(amount)s VND × headcount") % {"amount": _grouped(tier.amount)}
    elif tier.money == PrizeTier.Money.SALARY_COEFFICIENT:
        money = _("%(coefficient)s × base salary") % {"coefficient": number_format(tier.coefficient)}
    else:
        return line
    return f"{line}: {money}"


def _tiers_summary(rule: AwardRule):
    """The rule's prize tiers, one per line; reads ``rule.tiers`` prefetched."""
    return format_html_join("", "<div>{}</div>", ((_tier_line(tier),) for tier in rule.tiers.all())) or None


AWARD_RULE_FIELDSETS = [
    (None, {"fields": ["code", "name", "position"]}),
    (_("Who competes, and when"), {"fields": ["scope", "phase", "per_cluster", "cluster", "competitor_kind", "role"]}),
    (_("What counts"), {"fields": ["metric", "product", "min_payment_months"]}),
    (_("How winners are chosen"), {"fields": ["selection", "threshold", "requires_quota", "tie_policy"]}),
]


class CampaignForm(PreloadedAutocompleteForm):
    """The products counted are checkboxes, not raw JSON."""

    products = forms.MultipleChoiceField(
        label=_("Products counted"),
        choices=Product.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=Campaign._meta.get_field("products").help_text,
    )

    class Meta:
        model = Campaign
        fields = "__all__"

    def clean_products(self) -> list[str]:
        chosen = set(self.cleaned_data["products"])
        return [product for product in Product.values if product in chosen]  # stored in a fixed order


# --- Inlines on the campaign page ----------------------------------------------


class CampaignInlineMixin(ReachAdminMixin, FixedQueryAdminMixin):
    """An inline of the campaign page: phase, cluster and team choices are the
    campaign's own (none yet while the campaign is being added)."""

    extra = 0

    def scope_campaign_id(self, obj):
        return obj.pk if obj is not None else None


class PhaseInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        windows = sorted(
            (form.cleaned_data["start"], form.cleaned_data["cutoff"])
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("start")
            and form.cleaned_data.get("cutoff")
        )
        for (_start, cutoff), (next_start, _cutoff) in pairwise(windows):
            if next_start < cutoff:
                raise forms.ValidationError(_("Phases of a campaign cannot overlap."))


class PhaseInline(CampaignInlineMixin, admin.TabularInline):
    model = Phase
    formset = PhaseInlineFormSet
    fields = ["number", "name", "start", "cutoff", "grace", "status"]
    readonly_fields = ["status"]
    show_change_link = True

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None else 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign")


class ClusterInline(CampaignInlineMixin, admin.TabularInline):
    model = Cluster
    fields = ["number", "name", "members"]
    readonly_fields = ["members"]
    show_change_link = True

    def get_queryset(self, request):
        return _with_member_counts(super().get_queryset(request))

    @admin.display(description=_("members"))
    def members(self, obj):
        if obj.pk is None:
            return _("Save the campaign, then open the cluster to choose its members.")
        return _cluster_members(obj) or None


class TeamInline(CampaignInlineMixin, admin.TabularInline):
    model = Team
    fields = ["code", "name", "locality", "unit", "member_count"]
    readonly_fields = ["member_count"]
    autocomplete_fields = ["locality", "unit"]
    show_change_link = True

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("locality", "unit")
        return queryset.annotate(member_total=_m2m_count(Team, "members"))

    @admin.display(description=_("members"))
    def member_count(self, obj):
        return getattr(obj, "member_total", None)


class QuotaInline(CampaignInlineMixin, admin.TabularInline):
    model = Quota
    fields = ["phase", "cluster", "competitor_kind", "role", "product", "min_payment_months", "minimum"]
    campaign_scoped_fields = ("phase", "cluster")


class PlanTargetInline(CampaignInlineMixin, admin.TabularInline):
    model = PlanTarget
    fields = ["scope", "cluster", "team", "locality", "unit", "organization", "product", "phase", "measure", "target"]
    campaign_scoped_fields = ("cluster", "team", "phase")
    autocomplete_fields = ["locality", "unit", "organization"]

    def get_queryset(self, request):
        related = ["campaign", "cluster", "team", "locality", "unit", "organization"]
        return super().get_queryset(request).select_related(*related)


class IndicatorInline(CampaignInlineMixin, admin.TabularInline):
    model = Indicator
    fields = ["position", "code", "name", "unit_of_measure", "comparator", "default_target"]
    show_change_link = True


class AwardRuleInline(CampaignInlineMixin, admin.StackedInline):
    model = AwardRule
    fieldsets = [*AWARD_RULE_FIELDSETS, (_("Prizes"), {"fields": ["tiers"]})]
    readonly_fields = ["tiers"]
    campaign_scoped_fields = ("phase", "cluster")
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tiers")

    @admin.display(description=_("prize tiers"))
    def tiers(self, obj):
        if obj.pk is None:
            return _("Save the rule, then open it to set its prize tiers.")
        return _tiers_summary(obj) or _("No prize tiers yet: open the rule to add them.")


# --- Campaigns and phases --------------------------------------------------------


@admin.register(Campaign)
class CampaignAdmin(
    ObjectActionsAdminMixin, CampaignDefinitionAdminMixin, ReachAdminMixin, FixedQueryAdminMixin, admin.ModelAdmin
):
    form = CampaignForm
    list_display = ["code", "name", "organizer", "products_display", "status", "phase_count", "created"]
    list_filter = ["status"]
    list_select_related = ["organizer"]
    search_fields = ["code", "name"]
    search_help_text = _("Search by code or name.")
    autocomplete_fields = ["organizer"]
    prepopulated_fields = {"code": ["name"]}
    readonly_fields = ["created_at", "updated_at", "products_display"]
    actions = [start_campaigns, "export_definition"]
    object_actions = CAMPAIGN_BUTTONS
    fieldsets = [
        (None, {"fields": ["code", "name", "organizer", "status"]}),
        (
            _("Counting rules"),
            {"fields": ["products", "new_participant_gap_months", "time_zone", "review_period", "notice_days"]},
        ),
        (_("Description"), {"fields": ["theme", "description", "launch_reference"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [
        PhaseInline,
        ClusterInline,
        TeamInline,
        QuotaInline,
        PlanTargetInline,
        IndicatorInline,
        AwardRuleInline,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(phase_total=Count("phases"))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # Read-only, the products field would show its raw JSON: show the products' names.
        return [
            (title, {**options, "fields": [("products_display" if f == "products" else f) for f in options["fields"]]})
            for title, options in fieldsets
        ]

    @admin.display(description=_("products counted"))
    def products_display(self, obj):
        return ", ".join(str(Product(product).label) for product in obj.products if product in Product.values)

    @admin.display(description=_("phases"), ordering="phase_total")
    def phase_count(self, obj):
        return obj.phase_total

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, obj):
        return local_datetime(obj.created_at)


class PhaseTransitionInline(ReadOnlyHistoryInline):
    model = PhaseTransition


@admin.register(Phase)
class PhaseAdmin(ReachAdminMixin, FixedQueryAdminMixin, admin.ModelAdmin):
    """Phases. Their lifecycle actions and ranking workbooks are added by the awards
    app's admin (``awards.admin.PhaseAdmin``), which registers this class's subclass."""

    # Status first: at 1366 px the long campaign names wrap and the lifecycle stays in view.
    list_display = ["name", "status", "number", "start_display", "cutoff_display", "grace_display", "campaign"]
    list_display_links = ["name"]
    list_filter = ["status", "campaign"]
    list_select_related = ["campaign"]
    search_fields = ["name", "campaign__code", "campaign__name"]
    search_help_text = _("Search by phase name or campaign code or name.")
    fields = ["campaign", "number", "name", "start", "cutoff", "grace", "status", "closed_at", "finalized_at"]
    readonly_fields = ["status", "closed_at", "finalized_at"]
    inlines = [PhaseTransitionInline]

    @admin.display(description=_("start"), ordering="start")
    def start_display(self, obj):
        return local_datetime(obj.start)

    @admin.display(description=_("cutoff"), ordering="cutoff")
    def cutoff_display(self, obj):
        return local_datetime(obj.cutoff)

    @admin.display(description=_("submission grace"), ordering="grace")
    def grace_display(self, obj):
        return duration_text(obj.grace)


@admin.register(PhaseTransition)
class PhaseTransitionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["phase", "from_status", "to_status", "at_display", "by", "reason"]
    list_filter = ["to_status", "phase__campaign"]
    list_select_related = ["phase__campaign", "by"]
    search_fields = ["phase__name", "phase__campaign__code", "reason", "by__username"]
    search_help_text = _("Search by phase, campaign code, reason or user name.")
    date_hierarchy = "at"


# --- Competitors: teams and clusters ----------------------------------------------


@admin.register(Team)
class TeamAdmin(ReachAdminMixin, FixedQueryAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "campaign", "locality", "unit", "member_count"]
    list_filter = ["campaign"]
    list_select_related = ["campaign", "locality", "unit"]
    search_fields = ["code", "name"]
    search_help_text = _("Search by code or name.")
    autocomplete_fields = ["locality", "unit", "members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=_m2m_count(Team, "members"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total


@admin.register(Cluster)
class ClusterAdmin(ReachAdminMixin, FixedQueryAdminMixin, admin.ModelAdmin):
    list_display = ["name", "number", "campaign", "members"]
    list_filter = ["campaign"]
    list_select_related = ["campaign"]
    search_fields = ["name", "campaign__code"]
    search_help_text = _("Search by cluster name or campaign code.")
    autocomplete_fields = ["localities", "agents", "units"]
    filter_horizontal = ["teams"]
    campaign_scoped_fields = ("teams",)

    def scope_campaign_id(self, obj):
        return obj.campaign_id if obj is not None else UNSCOPED

    def get_queryset(self, request):
        return _with_member_counts(super().get_queryset(request))

    @admin.display(description=_("members"))
    def members(self, obj):
        return _cluster_members(obj) or None


# --- Quotas and plan targets --------------------------------------------------------


class CampaignRowAdmin(ReachAdminMixin, FixedQueryAdminMixin, admin.ModelAdmin):
    """A row that belongs to a campaign: its phase, cluster and team choices are
    that campaign's once the row exists."""

    def scope_campaign_id(self, obj):
        return obj.campaign_id if obj is not None else UNSCOPED


@admin.register(Quota)
class QuotaAdmin(CampaignRowAdmin):
    list_display = ["__str__", "campaign", "phase", "cluster", "competitor_kind", "role", "product", "minimum"]
    list_filter = ["campaign", "competitor_kind", "role", "product"]
    list_select_related = ["campaign", "phase__campaign", "cluster"]
    search_fields = ["campaign__code", "campaign__name", "cluster__name", "phase__name"]
    search_help_text = _("Search by campaign, cluster or phase.")
    campaign_scoped_fields = ("phase", "cluster")


@admin.register(PlanTarget)
class PlanTargetAdmin(CampaignRowAdmin):
    list_display = ["__str__", "campaign", "scope", "product", "phase", "measure", "target"]
    list_filter = ["campaign", "scope", "product", "measure"]
    list_select_related = ["campaign", "cluster", "team", "locality", "unit", "organization", "phase__campaign"]
    search_fields = [
        "campaign__code",
        "cluster__name",
        "team__name",
        "locality__name",
        "unit__name",
        "organization__name",
    ]
    search_help_text = _("Search by campaign code or the name of the cluster, team, locality, unit or organization.")
    autocomplete_fields = ["locality", "unit", "organization"]
    campaign_scoped_fields = ("cluster", "team", "phase")


# --- Indicators for collectives ------------------------------------------------------


class IndicatorChildInline(ReachAdminMixin, FixedQueryAdminMixin, admin.TabularInline):
    extra = 0
    autocomplete_fields = ["unit"]

    def scope_campaign_id(self, obj):
        return obj.campaign_id if obj is not None else UNSCOPED

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")


class IndicatorTargetInline(IndicatorChildInline):
    model = IndicatorTarget
    fields = ["unit", "target"]


class IndicatorValueInline(IndicatorChildInline):
    model = IndicatorValue
    fields = ["phase", "unit", "value", "note", "recorded_at", "recorded_by"]
    readonly_fields = ["recorded_at", "recorded_by"]
    campaign_scoped_fields = ("phase",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


def _stamp_recorded_by(request, instance) -> None:
    if isinstance(instance, IndicatorValue):
        instance.recorded_by = request.user


@admin.register(Indicator)
class IndicatorAdmin(CampaignRowAdmin):
    list_display = ["name", "code", "campaign", "comparator", "default_target", "unit_of_measure", "position"]
    list_filter = ["campaign", "comparator"]
    list_select_related = ["campaign"]
    search_fields = ["code", "name"]
    search_help_text = _("Search by code or name.")
    inlines = [IndicatorTargetInline, IndicatorValueInline]

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            _stamp_recorded_by(request, instance)
            instance.save()
        formset.save_m2m()


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(ReachAdminMixin, FixedQueryAdminMixin, admin.ModelAdmin):
    list_display = ["indicator", "unit", "target"]
    list_filter = ["indicator__campaign"]
    list_select_related = ["indicator", "unit"]
    search_fields = ["indicator__code", "indicator__name", "unit__code", "unit__name"]
    search_help_text = _("Search by indicator or unit code or name.")
    autocomplete_fields = ["indicator", "unit"]


INDICATOR_VALUES_IMPORT = ExcelImport(
    slug="indicator-values",
    title=_("Import indicator values from Excel"),
    columns=INDICATOR_VALUE_COLUMNS,
    run=indicator_values_import,
    permission="campaigns.add_indicatorvalue",
    example=["vss-q4-2017", 1, "BHXH-01", "SI-LABOUR", "27,5", "Báo cáo quý IV"],
)


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReachAdminMixin, ExcelImportAdminMixin, FixedQueryAdminMixin, admin.ModelAdmin):
    excel_imports = (INDICATOR_VALUES_IMPORT,)
    list_display = ["indicator", "unit", "phase", "value", "recorded", "recorded_by"]
    list_filter = ["indicator__campaign", ("phase", PhaseListFilter)]
    list_select_related = ["indicator", "unit", "phase__campaign", "recorded_by"]
    search_fields = ["indicator__code", "indicator__name", "unit__code", "unit__name"]
    search_help_text = _("Search by indicator or unit code or name.")
    autocomplete_fields = ["indicator", "unit"]
    readonly_fields = ["recorded_at", "recorded_by"]
    campaign_scoped_fields = ("phase",)

    def scope_campaign_id(self, obj):
        return obj.indicator.campaign_id if obj is not None else UNSCOPED

    def save_model(self, request, obj, form, change):
        _stamp_recorded_by(request, obj)
        super().save_model(request, obj, form, change)

    @admin.display(description=_("recorded at"), ordering="recorded_at")
    def recorded(self, obj):
        return local_datetime(obj.recorded_at)


# --- Award rules and prize tiers ------------------------------------------------------


class PrizeTierInline(ReachAdminMixin, admin.TabularInline):
    model = PrizeTier
    extra = 0
    fields = [
        "position",
        "title",
        "distinction",
        "winners",
        "money",
        "amount",
        "coefficient",
        "nominees_per_winner",
        "nominee_distinction",
        "nominee_amount",
    ]


@admin.register(AwardRule)
class AwardRuleAdmin(CampaignRowAdmin):
    list_display = ["name", "code", "campaign", "scope", "phase", "cluster", "competitor_kind", "selection", "tiers"]
    list_filter = ["campaign", "competitor_kind", "metric", "selection"]
    list_select_related = ["campaign", "phase__campaign", "cluster"]
    search_fields = ["code", "name"]
    search_help_text = _("Search by code or name.")
    fieldsets = [(None, {"fields": ["campaign"]}), *AWARD_RULE_FIELDSETS]
    campaign_scoped_fields = ("phase", "cluster")
    inlines = [PrizeTierInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tiers")

    @admin.display(description=_("prize tiers"))
    def tiers(self, obj):
        return _tiers_summary(obj)


@admin.register(PrizeTier)
class PrizeTierAdmin(ReachAdminMixin, FixedQueryAdminMixin, admin.ModelAdmin):
    list_display = ["title", "rule", "campaign", "position", "winners", "money", "amount", "coefficient"]
    list_filter = ["rule__campaign", "money"]
    list_select_related = ["rule__campaign"]
    search_fields = ["title", "rule__code", "rule__name"]
    search_help_text = _("Search by title or award rule code or name.")
    autocomplete_fields = ["rule"]

    @admin.display(description=_("campaign"), ordering="rule__campaign")
    def campaign(self, obj):
        return obj.rule.campaign


@admin.register(PublicHoliday)
class PublicHolidayAdmin(admin.ModelAdmin):
    """Days off nationwide, skipped when a notice period is counted (``campaigns.calendar``).
    They hold for every office: staff read them; only those who reach every office change them."""

    list_display = ["date", "name"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def _national(self, request) -> bool:
        return reach_of(request.user).everything

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._national(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._national(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._national(request)
