"""Admin pages for the results: finalizations, final standings and awards
(nominations and the award dossier: ``awards.admin_dossier``). Standings and
awards are written by finalizing, never by hand; awards move only through
the workflow actions. Every page shows the results of the campaigns within the
user's reach (``core.admin_helpers.ReachAdminMixin``)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from awards.admin_actions import AWARD_ACTIONS, AWARD_BUTTONS, PHASE_ACTIONS, PHASE_BUTTONS
from awards.admin_dossier import DossierAdminMixin  # also registers the nominations' and dossier's pages
from awards.models import Award, AwardTransition, Finalization, Nomination, Standing, Tally, TallyState
from awards.money import award_money
from awards.selectors import default_rule, phase_rules
from awards.workbooks import award_list_filename, ranking_filename, write_award_list, write_ranking
from campaigns.admin import PhaseAdmin as CampaignsPhaseAdmin
from campaigns.models import Campaign, CompetitorKind, Phase
from core.admin_actions import ObjectActionsAdminMixin
from core.admin_helpers import (
    PhaseListFilter,
    ReachAdminMixin,
    ReadOnlyAdminMixin,
    ReadOnlyHistoryAdmin,
    ReadOnlyHistoryInline,
    local_datetime,
)
from core.formatting import number_text
from core.workbooks import workbook_response
from enrollments.contributions import ParameterTable


class ReadOnlyResultAdmin(ReachAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Results computed by finalizing: readable, never edited by hand."""


@admin.register(Finalization)
class FinalizationAdmin(ReadOnlyResultAdmin):
    list_display = ["phase", "version", "current", "trigger", "by", "at_display", "award_count", "standings_link"]
    list_filter = ["current", "trigger", "phase__campaign"]
    list_select_related = ["phase__campaign", "by"]
    search_fields = ["phase__name", "phase__campaign__code"]
    fields = ["phase", "version", "current", "trigger", "by", "at_display", "tally_agreed", "tally_differences"]
    fields += ["notice_ends_display", "changes_display"]
    readonly_fields = fields

    @admin.display(description=_("at"), ordering="at")
    def at_display(self, obj):
        return local_datetime(obj.at)

    @admin.display(description=_("notice period ends"), ordering="notice_ends_at")
    def notice_ends_display(self, obj):
        return local_datetime(obj.notice_ends_at)

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


@admin.display(description=_("score"), ordering="score")
def score_display(obj):
    """A score as people write it: 146, 146,5 (not 146,0000)."""
    return number_text(obj.score)


@admin.register(TallyState)
class TallyStateAdmin(ReadOnlyResultAdmin):
    """Whether each campaign's standings kept on write are fresh or wait for a rebuild."""

    list_display = ["campaign", "stale", "rebuilt_at"]
    list_select_related = ["campaign"]


@admin.register(Tally)
class TallyAdmin(ReadOnlyResultAdmin):
    """The provisional standings kept on write, row by row (``manage.py verify_standings`` checks them)."""

    list_display = ["code", "name", "cluster", score_display, "eligible", "reached_at", "rule", "phase", "updated_at"]
    list_filter = [("phase", PhaseListFilter), "rule", "cluster", "eligible"]
    list_select_related = ["cluster", "rule", "phase__campaign"]
    search_fields = ["code", "name"]
    ordering = ["rule", "phase", "cluster", "-eligible", "-score", "reached_at", "code"]
    list_per_page = 100


@admin.register(Standing)
class StandingAdmin(ReadOnlyResultAdmin):
    list_display = [
        "position",
        "competitor_code",
        "competitor_name",
        "cluster",
        score_display,
        "eligible",
        "screen_reason",
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


class NominationInline(ReachAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    """The individuals nominated under the award; they are added and decided on the nominations' pages."""

    model = Nomination
    fk_name = "award"
    fields = ["full_name", "job_title", "organization", "distinction", "amount", "status", "decision_number"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Award)
class AwardAdmin(ObjectActionsAdminMixin, ReachAdminMixin, admin.ModelAdmin):
    # Status and money first: at 1366 px the names wrap and these stay in view.
    list_display = [
        "competitor_code",
        "status",
        "amount_display",
        "competitor_name",
        "tier",
        "cluster",
        "phase",
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
        "amount_display",
        "status",
        "council_reference",
        "decision_number",
        "decision_date",
        "status_reason",
        "add_nomination_link",
    ]
    readonly_fields = fields
    inlines = [NominationInline, AwardTransitionInline]

    @admin.display(description=_("nominations"))
    def add_nomination_link(self, obj):
        if obj is None or obj.competitor_kind != CompetitorKind.UNIT or obj.status not in Award.ACTIVE:
            return "—"
        url = reverse("admin:awards_nomination_add") + f"?award={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Nominate an individual under this award"))

    actions = [*AWARD_ACTIONS, "export_workbook"]
    object_actions = AWARD_BUTTONS

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        parameters = ParameterTable.load()  # once for the page, not once per row
        for award in changelist.result_list:
            award._money = award_money(award, parameters=parameters)
        return changelist

    @admin.display(description=_("amount to be paid"), ordering="amount")
    def amount_display(self, obj):
        """The stored amount; before the decision, a salary-based prize at today's base salary (``awards.money``)."""
        money = getattr(obj, "_money", None) or award_money(obj)
        return money.text

    def has_review_permission(self, request):
        return request.user.has_perm("awards.review_award")

    def has_approve_permission(self, request):
        return request.user.has_perm("awards.approve_award")

    def has_revoke_permission(self, request):
        return request.user.has_perm("awards.revoke_award")

    @admin.action(description=_("Export the selected awards to Excel"), permissions=["view"])
    def export_workbook(self, request, queryset):
        """The award list of the selection, with nominations and totals, whatever their statuses."""
        phases = list(queryset.order_by().values_list("phase_id", flat=True).distinct()[:2])
        phase = Phase.objects.select_related("campaign").get(pk=phases[0]) if len(phases) == 1 else None
        campaign = None
        if phase is None:
            campaigns = list(queryset.order_by().values_list("phase__campaign_id", flat=True).distinct()[:2])
            campaign = Campaign.objects.get(pk=campaigns[0]) if len(campaigns) == 1 else None
        return workbook_response(
            lambda output: write_award_list(output, awards=queryset, phase=phase, campaign=campaign),
            filename=award_list_filename(phase=phase, campaign=campaign),
        )


@admin.register(AwardTransition)
class AwardTransitionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["award", "from_status", "to_status", "at_display", "by", "reason", "reference"]
    list_filter = ["to_status"]
    list_select_related = ["award__tier", "by"]
    search_fields = ["award__competitor_code", "award__competitor_name", "reason", "reference"]
    date_hierarchy = "at"


# --- The phase admin's ranking workbooks (mixed into campaigns.admin.PhaseAdmin) -------------


class RankingWorkbookAdminMixin:
    """A phase's ranking workbooks: a download link per award rule on the phase's
    page (``templates/admin/campaigns/phase/change_form.html``), and an action
    downloading the ranking of the one phase selected. Staff who may view phases
    read every cluster's sheet."""

    def _ranking_url_name(self) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_ranking_workbook"

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/ranking.xlsx",
                self.admin_site.admin_view(self.ranking_workbook_view),
                name=self._ranking_url_name(),
            )
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        links = []
        phase = self.get_object(request, unquote(object_id))
        if phase is not None:
            rules = phase_rules(phase)
            url = reverse(f"admin:{self._ranking_url_name()}", args=[phase.pk], current_app=self.admin_site.name)
            for rule in rules:
                title = _("Download the ranking (Excel)")
                if len(rules) > 1:
                    title = _("Download the ranking (Excel): %(rule)s") % {"rule": rule.name}
                links.append((title, f"{url}?rule={rule.pk}"))
        extra_context = {**(extra_context or {}), "ranking_workbook_links": links}
        return super().change_view(request, object_id, form_url, extra_context)

    def ranking_workbook_view(self, request, object_id):
        phase = self.get_object(request, unquote(object_id))
        if phase is None:
            raise Http404
        if not self.has_view_permission(request, phase):
            raise PermissionDenied
        rule = None
        wanted = request.GET.get("rule", "")
        if wanted:
            rule = next((rule for rule in phase_rules(phase) if str(rule.pk) == wanted), None)
            if rule is None:
                raise Http404
        response = self._ranking_response(request, phase, rule)
        if response is None:
            opts = self.model._meta
            change = f"admin:{opts.app_label}_{opts.model_name}_change"
            return HttpResponseRedirect(reverse(change, args=[phase.pk], current_app=self.admin_site.name))
        return response

    def _ranking_response(self, request, phase, rule):
        """The workbook of ``rule`` (default: the phase's first agent rule), or None and a message."""
        rule = rule or default_rule(phase_rules(phase))
        if rule is None:
            message = _("No award rule ranks competitors in %(phase)s.") % {"phase": phase.name}
            self.message_user(request, message, messages.ERROR)
            return None
        return workbook_response(
            lambda output: write_ranking(output, phase=phase, rule=rule), filename=ranking_filename(phase, rule)
        )

    @admin.action(description=_("Download the ranking of the selected phase (Excel)"), permissions=["view"])
    def download_ranking(self, request, queryset):
        phases = list(queryset.select_related("campaign")[:2])
        if len(phases) != 1:
            self.message_user(request, _("Select one phase to download its ranking."), messages.WARNING)
            return None
        return self._ranking_response(request, phases[0], None)


# The campaigns app registers phases; their lifecycle (close, finalize, reopen)
# and ranking workbooks belong to this app, which adds them to that admin.
admin.site.unregister(Phase)


@admin.register(Phase)
class PhaseAdmin(ObjectActionsAdminMixin, DossierAdminMixin, RankingWorkbookAdminMixin, CampaignsPhaseAdmin):
    actions = [*PHASE_ACTIONS, "download_ranking"]
    object_actions = PHASE_BUTTONS

    def has_close_permission(self, request):
        return request.user.has_perm("campaigns.close_phase")

    def has_finalize_permission(self, request):
        return request.user.has_perm("campaigns.finalize_phase")

    def has_reopen_permission(self, request):
        return request.user.has_perm("campaigns.reopen_phase")


# Appeals against the proposed results (``awards.appeals``).
import awards.appeals.admin  # noqa: E402, F401
