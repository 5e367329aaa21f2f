"""Admin pages for the results: finalizations, final standings, awards and
nominations. Standings and awards are written by finalizing, never by hand;
awards move only through the workflow actions."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from awards.admin_actions import AWARD_ACTIONS
from awards.models import Award, AwardTransition, Finalization, Nomination, Standing
from campaigns.admin_helpers import PhaseListFilter, ReadOnlyHistoryAdmin, ReadOnlyHistoryInline, local_datetime


class ReadOnlyResultAdmin(admin.ModelAdmin):
    """Results computed by finalizing: readable, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Finalization)
class FinalizationAdmin(ReadOnlyResultAdmin):
    list_display = ["phase", "version", "current", "trigger", "by", "at_display", "award_count", "standings_link"]
    list_filter = ["current", "trigger", "phase__campaign"]
    list_select_related = ["phase__campaign", "by"]
    search_fields = ["phase__name", "phase__campaign__code"]
    fields = ["phase", "version", "current", "trigger", "by", "at_display", "changes_display"]
    readonly_fields = fields

    @admin.display(description=_("at"), ordering="at")
    def at_display(self, obj):
        return local_datetime(obj.at)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(award_total=Count("awards"))

    @admin.display(description=_("awards"), ordering="award_total")
    def award_count(self, obj):
        return obj.award_total

    @admin.display(description=_("standings"))
    def standings_link(self, obj):
        url = reverse("admin:awards_standing_changelist") + f"?finalization__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Final standings"))

    @admin.display(description=_("changed winners"))
    def changes_display(self, obj):
        if not obj.changes:
            return "—"
        rows = [("+", change) for change in obj.changes.get("gained", [])]
        rows += [("−", change) for change in obj.changes.get("lost", [])]
        if not rows:
            return _("No winner changed.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} {} · {} · {} · {}</li>",
                ((sign, c["rule"], c["cluster"], c["tier"], c["competitor"]) for sign, c in rows),
            ),
        )


@admin.register(Standing)
class StandingAdmin(ReadOnlyResultAdmin):
    list_display = [
        "position",
        "competitor_code",
        "competitor_name",
        "cluster",
        "score",
        "eligible",
        "rank",
        "reached_at_display",
        "rule",
    ]
    list_filter = ["finalization__current", ("finalization__phase", PhaseListFilter), "rule", "cluster", "eligible"]
    list_select_related = ["cluster", "rule"]
    search_fields = ["competitor_code", "competitor_name"]
    ordering = ["finalization", "rule", "cluster", "position"]
    list_per_page = 100

    @admin.display(description=_("reached at"), ordering="reached_at")
    def reached_at_display(self, obj):
        return local_datetime(obj.reached_at)


class AwardTransitionInline(ReadOnlyHistoryInline):
    model = AwardTransition
    fields = ["from_status", "to_status", "at", "by", "reason", "reference"]
    readonly_fields = fields


class NominationInline(admin.TabularInline):
    model = Nomination
    fk_name = "award"
    fields = ["full_name", "job_title", "organization", "agent", "distinction", "amount", "status"]
    readonly_fields = ["status"]
    autocomplete_fields = ["agent"]
    extra = 0


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = [
        "competitor_code",
        "competitor_name",
        "tier",
        "cluster",
        "phase",
        "amount",
        "status",
        "decision_number",
        "decision_date",
    ]
    list_filter = ["status", ("phase", PhaseListFilter), "rule", "cluster", "finalization__current"]
    list_select_related = ["tier__rule", "cluster", "phase__campaign"]
    search_fields = ["competitor_code", "competitor_name", "decision_number"]
    fields = [
        "phase",
        "finalization",
        "rule",
        "tier",
        "cluster",
        "competitor_kind",
        "agent",
        "team",
        "unit",
        "competitor_code",
        "competitor_name",
        "standing",
        "amount",
        "status",
        "council_reference",
        "decision_number",
        "decision_date",
        "status_reason",
    ]
    readonly_fields = fields
    inlines = [NominationInline, AwardTransitionInline]
    actions = AWARD_ACTIONS

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request):
        return request.user.has_perm("awards.review_award")

    def has_approve_permission(self, request):
        return request.user.has_perm("awards.approve_award")

    def has_revoke_permission(self, request):
        return request.user.has_perm("awards.revoke_award")


@admin.register(AwardTransition)
class AwardTransitionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["award", "from_status", "to_status", "at_display", "by", "reason", "reference"]
    list_filter = ["to_status"]
    list_select_related = ["award__tier", "by"]
    search_fields = ["award__competitor_code", "award__competitor_name", "reason", "reference"]
    date_hierarchy = "at"


@admin.register(Nomination)
class NominationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "job_title", "organization", "award", "outside_sector", "amount", "status"]
    list_filter = ["status", "outside_sector", "campaign"]
    list_select_related = ["award__tier", "campaign"]
    search_fields = ["full_name", "organization"]
    autocomplete_fields = ["agent", "proposed_by_unit"]
    raw_id_fields = ["award"]
    fields = [
        "campaign",
        "award",
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
        "decision_number",
        "decision_date",
        "created_by",
    ]
    readonly_fields = ["status", "decision_number", "decision_date", "created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
