"""Admin pages of nominations and of the award dossier: nominations with their
workflow actions, the council's meetings with their votes, the offices' own
Word templates, and the phase's dossier downloads (mixed into the phase admin
by ``awards.admin``). Everything is within the user's reach
(``core.admin_helpers.ReachAdminMixin``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from awards.admin_actions import NOMINATION_ACTIONS
from awards.documents.render import KINDS, MIME, render_document
from awards.models import Award, CouncilMeeting, DocumentTemplate, Nomination, NominationTransition
from awards.nominations import NOMINEE_FIELDS, nomination_add, nomination_outside, tier_defaults
from core.admin_helpers import (
    PhaseListFilter,
    ReachAdminMixin,
    ReadOnlyHistoryAdmin,
    ReadOnlyHistoryInline,
    local_datetime,
)
from core.errors import InvalidTransition
from core.reach import reach_of
from core.workbooks import attachment_header

# --- Nominations ----------------------------------------------------------------------


class NominationForm(forms.ModelForm):
    """A nomination as the admin adds it: under a unit's award (whose campaign, phase, prize and
    unit it takes), or from outside the sector; an empty distinction or amount takes the prize's."""

    amount = forms.IntegerField(
        label=_("amount (VND)"),
        min_value=0,
        required=False,
        help_text=_("Leave empty for the prize's amount per nominee."),
    )

    class Meta:
        model = Nomination
        fields = ["campaign", "phase", "award", "tier", "proposed_by_unit", "agent", *NOMINEE_FIELDS]
        fields += ["outside_sector", "distinction", "amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "campaign" in self.fields:
            self.fields["campaign"].required = False
        if "distinction" in self.fields:
            self.fields["distinction"].help_text = _("Leave empty for the prize's nominee distinction.")

    def clean(self):
        data = super().clean()
        if self.instance.pk is not None:
            return data
        award, tier = data.get("award"), data.get("tier")
        if award is not None:
            data.update(
                campaign=award.phase.campaign,
                phase=award.phase,
                tier=award.tier,
                proposed_by_unit=award.unit,
                outside_sector=False,
            )
            tier = award.tier
        else:
            if not data.get("outside_sector"):
                self.add_error("award", _("Choose the unit's award, or mark a nomination from outside the sector."))
            if data.get("campaign") is None:
                self.add_error("campaign", _("Choose the campaign of a nomination from outside the sector."))
            elif tier is not None and tier.rule.campaign_id != data["campaign"].pk:
                self.add_error("tier", _("Choose a prize of the campaign's award rules."))
            elif data.get("phase") is not None and data["phase"].campaign_id != data["campaign"].pk:
                self.add_error("phase", _("Choose a phase of the campaign."))
        distinction, amount = tier_defaults(tier)
        data["distinction"] = data.get("distinction") or distinction
        if data.get("amount") is None:
            data["amount"] = amount
        return data


class NominationTransitionInline(ReadOnlyHistoryInline):
    model = NominationTransition
    fields = ["from_status", "to_status", "at", "by", "reason", "reference"]
    readonly_fields = fields


@admin.register(Nomination)
class NominationAdmin(ReachAdminMixin, admin.ModelAdmin):
    """Nominations, added through the services (the prize's distinction and amount by default)
    and moved by the workflow actions: reviewed, approved, rejected."""

    form = NominationForm
    list_display = ["full_name", "job_title", "organization", "award", "outside_sector", "distinction"]
    list_display += ["amount", "status", "decision_number"]
    list_filter = ["status", "outside_sector", "campaign", ("phase", PhaseListFilter)]
    list_select_related = ["award__tier", "campaign"]
    search_fields = ["full_name", "organization"]
    autocomplete_fields = ["agent", "proposed_by_unit"]
    raw_id_fields = ["award", "tier"]
    inlines = [NominationTransitionInline]
    actions = NOMINATION_ACTIONS
    _DECIDED = ["status", "council_reference", "decision_number", "decision_date", "status_reason", "created_by"]

    def get_fields(self, request, obj=None):
        fields = ["campaign", "phase", "award", "tier", "proposed_by_unit", "agent", *NOMINEE_FIELDS]
        return [*fields, "outside_sector", "distinction", "amount", *self._DECIDED]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self._DECIDED
        fixed = ["campaign", "phase", "award", "tier", "proposed_by_unit", "outside_sector", *self._DECIDED]
        if obj.status != Nomination.Status.PROPOSED:
            return [*fixed, "agent", *NOMINEE_FIELDS, "distinction", "amount"]
        return fixed

    def get_changeform_initial_data(self, request):
        """Adding from an award's page (``?award=<id>``): its prize's distinction and amount, shown before saving."""
        initial = super().get_changeform_initial_data(request)
        award_id = request.GET.get("award", "")
        if award_id.isdigit():
            award = self.reach_queryset(request, Award.objects.select_related("tier")).filter(pk=award_id).first()
            if award is not None:
                initial["distinction"], initial["amount"] = tier_defaults(award.tier)
        return initial

    def has_review_permission(self, request):
        return request.user.has_perm("awards.review_award")

    def has_approve_permission(self, request):
        return request.user.has_perm("awards.approve_award")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            obj.full_clean()
            obj.save()
            return
        reach = reach_of(request.user)
        data = form.cleaned_data
        nominee = {field: data.get(field) for field in NOMINEE_FIELDS}
        common = {"by": request.user, "reach": reach, "distinction": data["distinction"], "amount": data["amount"]}
        if data.get("award") is not None:
            created = nomination_add(award=data["award"], agent=data.get("agent"), **common, **nominee)
        else:
            created = nomination_outside(
                campaign=data["campaign"],
                phase=data.get("phase"),
                tier=data.get("tier"),
                proposed_by_unit=data.get("proposed_by_unit"),
                agent=data.get("agent"),
                **common,
                **nominee,
            )
        obj.pk = created.pk
        obj._state.adding = False


@admin.register(NominationTransition)
class NominationTransitionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["nomination", "from_status", "to_status", "at_display", "by", "reason", "reference"]
    list_filter = ["to_status"]
    list_select_related = ["nomination", "by"]
    search_fields = ["nomination__full_name", "reason", "reference"]


# --- The council's meetings and the offices' templates ----------------------------------------


@admin.register(CouncilMeeting)
class CouncilMeetingAdmin(ReachAdminMixin, admin.ModelAdmin):
    """The council's meetings on a phase's proposals, with their votes: the minutes are written from them."""

    list_display = ["minutes_number", "phase", "held_at_display", "chair", "members_present", "votes_for"]
    list_display += ["votes_against", "votes_abstaining"]
    list_filter = ["phase__campaign"]
    list_select_related = ["phase__campaign"]
    search_fields = ["minutes_number", "chair"]
    raw_id_fields = ["phase"]
    readonly_fields = ["created_by"]

    @admin.display(description=_("held at"), ordering="held_at")
    def held_at_display(self, obj):
        return local_datetime(obj.held_at)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(ReachAdminMixin, admin.ModelAdmin):
    """An office's own Word template of a dossier document, used for the campaigns it and the units
    below it organize instead of the shipped one (docs/awards.md lists the placeholders)."""

    list_display = ["unit", "kind", "file", "note", "uploaded_at", "uploaded_by"]
    list_filter = ["kind"]
    list_select_related = ["unit", "uploaded_by"]
    autocomplete_fields = ["unit"]
    fields = ["unit", "kind", "file", "note", "uploaded_by"]
    readonly_fields = ["uploaded_by"]

    def save_model(self, request, obj, form, change):
        obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


# --- A phase's dossier (mixed into the phase admin) --------------------------------------


class DossierAdminMixin:
    """The Word documents of a finalized phase's award dossier: download links on the phase's page
    (``templates/admin/campaigns/phase/change_form.html``), for staff who may view awards."""

    def _dossier_url_name(self) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_dossier_document"

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/documents/<str:kind>.docx",
                self.admin_site.admin_view(self.dossier_document_view),
                name=self._dossier_url_name(),
            )
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        links = []
        phase = self.get_object(request, unquote(object_id))
        if phase is not None and phase.status == phase.Status.FINALIZED and request.user.has_perm("awards.view_award"):
            for kind, label in DocumentTemplate.Kind.choices:
                url = reverse(
                    f"admin:{self._dossier_url_name()}", args=[phase.pk, kind], current_app=self.admin_site.name
                )
                links.append((_("Word: %(document)s") % {"document": label}, url))
        extra_context = {**(extra_context or {}), "dossier_links": links}
        return super().change_view(request, object_id, form_url, extra_context)

    def dossier_document_view(self, request, object_id, kind):
        phase = self.get_object(request, unquote(object_id))
        if phase is None or kind not in KINDS:
            raise Http404
        if not (self.has_view_permission(request, phase) and request.user.has_perm("awards.view_award")):
            raise PermissionDenied
        try:
            document = render_document(phase=phase, kind=kind)
        except InvalidTransition as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            opts = self.model._meta
            change = f"admin:{opts.app_label}_{opts.model_name}_change"
            return HttpResponseRedirect(reverse(change, args=[phase.pk], current_app=self.admin_site.name))
        response = HttpResponse(document.content, content_type=MIME)
        response["Content-Disposition"] = attachment_header(document.filename)
        return response
