"""Admin for reference parameters, participants, their coverage history,
enrollments and the enrollments' status history.

Enrollments (and their history) belong to their campaign's organizer; a person
to the offices of the campaigns they enrolled in, or, known only from the
coverage history, to every office: each page shows what the user reaches
(``core.admin_helpers.ReachAdminMixin``). Reference parameters are national.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import (
    FixedQueryAdminMixin,
    PhaseListFilter,
    ReachAdminMixin,
    ReadOnlyHistoryAdmin,
    ReadOnlyHistoryInline,
    local_datetime,
)
from core.admin_imports import ExcelImport, ExcelImportAdminMixin
from enrollments import admin_history  # noqa: F401 - registers the enrollment imports' admin
from enrollments.admin_actions import cancel_selected, confirm_selected, reject_selected
from enrollments.exports import export_enrollments
from enrollments.identity import clean_personal_id, clean_social_insurance_code, personal_id_errors
from enrollments.imports import CONFIRMATION_COLUMNS, COVERAGE_COLUMNS, confirmations_import, coverage_import
from enrollments.models import CoveragePeriod, Enrollment, EnrollmentTransition, Parameter, Participant

CONFIRMATIONS_IMPORT = ExcelImport(
    slug="confirmations",
    title=_("Import confirmations from Excel"),
    columns=CONFIRMATION_COLUMNS,
    run=confirmations_import,
    permission="enrollments.review_enrollment",
    example=["BL-000123", "049090123456", 943800],
)
COVERAGE_IMPORT = ExcelImport(
    slug="coverage",
    title=_("Import coverage history from Excel"),
    columns=COVERAGE_COLUMNS,
    run=coverage_import,
    permission="enrollments.add_coverageperiod",
    example=["049090123456", "Nguyễn Văn An", "17/05/1990", "Nam", "BHXH tự nguyện", "01/01/2022", "31/12/2022"],
)


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    list_display = ["kind", "household_category", "effective_from", "value", "legal_basis"]
    list_filter = ["kind", "household_category"]
    search_fields = ["legal_basis"]
    search_help_text = _("Search by legal basis.")
    date_hierarchy = "effective_from"


class ParticipantForm(forms.ModelForm):
    """The identity codes are cleaned and checked as on every other way in (``enrollments.identity``)."""

    class Meta:
        model = Participant
        fields = [
            "personal_id",
            "social_insurance_code",
            "full_name",
            "date_of_birth",
            "gender",
            "locality",
            "household_category",
        ]

    def clean_personal_id(self):
        return clean_personal_id(self.cleaned_data["personal_id"])

    def clean_social_insurance_code(self):
        return clean_social_insurance_code(self.cleaned_data["social_insurance_code"])

    def clean(self):
        cleaned = super().clean()
        if "personal_id" in cleaned and "date_of_birth" in cleaned and "gender" in cleaned:
            for message in personal_id_errors(
                cleaned["personal_id"], date_of_birth=cleaned["date_of_birth"], gender=cleaned["gender"]
            ):
                self.add_error("personal_id", message)
        return cleaned


@admin.register(Participant)
class ParticipantAdmin(ReachAdminMixin, FixedQueryAdminMixin, admin.ModelAdmin):
    form = ParticipantForm
    list_display = [
        "personal_id",
        "full_name",
        "date_of_birth",
        "gender",
        "social_insurance_code",
        "locality",
        "household_category",
    ]
    list_filter = ["gender", "household_category"]
    list_select_related = ["locality"]
    search_fields = ["=personal_id", "=social_insurance_code", "full_name"]
    search_help_text = _("Search by personal ID, social insurance code (exact) or full name.")
    autocomplete_fields = ["locality"]
    readonly_fields = ["created_at"]


@admin.register(CoveragePeriod)
class CoveragePeriodAdmin(ReachAdminMixin, ExcelImportAdminMixin, FixedQueryAdminMixin, admin.ModelAdmin):
    excel_imports = (COVERAGE_IMPORT,)
    list_display = ["participant", "product", "start", "end", "source", "enrollment"]
    list_filter = ["product", "source"]
    list_select_related = ["participant", "enrollment"]
    search_fields = ["=participant__personal_id", "participant__full_name"]
    search_help_text = _("Search by the participant's personal ID (exact) or full name.")
    autocomplete_fields = ["participant", "enrollment"]
    date_hierarchy = "start"


class EnrollmentTransitionInline(ReadOnlyHistoryInline):
    model = EnrollmentTransition


@admin.register(Enrollment)
class EnrollmentAdmin(ReachAdminMixin, ExcelImportAdminMixin, FixedQueryAdminMixin, admin.ModelAdmin):
    excel_imports = (CONFIRMATIONS_IMPORT,)
    actions = [confirm_selected, reject_selected, cancel_selected, export_enrollments]
    # Status and money first: at 1366 px the names wrap and these stay in view.
    list_display = [
        "client_ref",
        "status",
        "counted",
        "amount_due",
        "product",
        "participant",
        "agent",
        "receipt",
        "phase",
        "not_counted_reason",
        "receipt_no",
    ]
    list_filter = [
        "campaign",
        ("phase", PhaseListFilter),
        "product",
        "status",
        "counted",
        "not_counted_reason",
    ]
    list_select_related = ["participant", "agent", "phase__campaign"]
    search_fields = [
        "=client_ref",
        "=receipt_no",
        "^participant__personal_id",
        "participant__full_name",
        "^agent__code",
        "agent__full_name",
    ]
    search_help_text = _(
        "Search by client reference or receipt number (exact), personal ID or agent code (beginning), "
        "or the participant's or agent's name."
    )
    date_hierarchy = "receipt_at"
    # Filtered lists skip the second count over the whole table.
    show_full_result_count = False
    autocomplete_fields = ["agent", "participant", "duplicate_of"]
    readonly_fields = ["submitted_at", "updated_at"]
    # Once stored, what was sold and how it was judged change only through the
    # enrollment services (confirm, reject, cancel, recount), which keep the
    # status history and the counting rules; here only clerical fields stay editable.
    readonly_on_change = [
        "campaign",
        "phase",
        "agent",
        "participant",
        "product",
        "client_ref",
        "receipt_at",
        "payment_months",
        "coverage_start",
        "declared_income",
        "household_member_order",
        "household_category",
        "amount_due",
        "state_support",
        "status",
        "status_reason",
        "counted",
        "not_counted_reason",
        "duplicate_of",
    ]
    fieldsets = [
        (None, {"fields": ["campaign", "phase", "agent", "participant", "product", "client_ref"]}),
        (
            _("Receipt"),
            {
                "fields": [
                    "receipt_no",
                    "receipt_at",
                    "submitted_at",
                    "payment_months",
                    "coverage_start",
                    "declared_income",
                    "household_member_order",
                    "household_category",
                    "amount_due",
                    "state_support",
                ]
            },
        ),
        (
            _("Status and counting"),
            {"fields": ["status", "status_reason", "counted", "not_counted_reason", "duplicate_of", "updated_at"]},
        ),
    ]
    inlines = [EnrollmentTransitionInline]

    def has_review_permission(self, request):
        return request.user.has_perm("enrollments.review_enrollment")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += self.readonly_on_change
        return readonly

    @admin.display(description=_("receipt time"), ordering="receipt_at")
    def receipt(self, obj):
        return local_datetime(obj.receipt_at)


@admin.register(EnrollmentTransition)
class EnrollmentTransitionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["enrollment", "from_status", "to_status", "at_display", "by", "reason"]
    list_filter = ["to_status", "enrollment__campaign"]
    list_select_related = ["enrollment", "by"]
    search_fields = ["=enrollment__client_ref", "=enrollment__receipt_no", "reason", "by__username"]
    search_help_text = _("Search by client reference or receipt number (exact), reason or user name.")
    date_hierarchy = "at"
