"""What was sold: participants, their coverage history, enrollments and the
reference parameters (base salary, poverty line, rates) with effective dates."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Length, Replace
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Phase
from collectors.models import Agent, Locality
from enrollments.choices import (
    HHI_PAYMENT_MONTHS,
    VSI_PAYMENT_MONTHS,
    EnrollmentStatus,
    Gender,
    HouseholdCategory,
    NotCountedReason,
    Product,
)

personal_id_validator = RegexValidator(r"^[0-9]{12}$", _("A personal ID (CCCD) has exactly 12 digits."))
social_insurance_code_validator = RegexValidator(r"^[0-9]{10}$", _("A social insurance code has exactly 10 digits."))


def ascii_digits(field: str, length: int) -> Q:
    """``field`` holds exactly ``length`` characters, each of them 0–9: with every
    ASCII digit taken out, nothing is left. Plain LENGTH and REPLACE, the same SQL
    on PostgreSQL and SQLite, with no regular-expression function for SQLite to lack."""
    rest = F(field)
    for digit in "0123456789":
        rest = Replace(rest, Value(digit), Value(""))
    return Q(Exact(Length(field), length), Exact(rest, Value("")))


class Parameter(models.Model):
    """A reference value in force from a date on: base salary, rural poverty
    line, contribution rates and the state-support rate per household category."""

    class Kind(models.TextChoices):
        BASE_SALARY = "base_salary", _("Base salary (VND/month)")
        RURAL_POVERTY_LINE = "rural_poverty_line", _("Rural poverty line (VND/month)")
        VSI_RATE = "vsi_rate", _("VSI contribution rate (%)")
        # xgettext:no-python-format
        HHI_RATE = "hhi_rate", _("HHI contribution rate (% of base salary)")
        # xgettext:no-python-format
        VSI_SUPPORT_RATE = "vsi_support_rate", _("VSI state support (% of the contribution on the poverty line)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    household_category = models.CharField(
        _("household category"),
        max_length=20,
        choices=HouseholdCategory.choices,
        blank=True,
        help_text=_("Only for the state-support rate."),
    )
    effective_from = models.DateField(_("effective from"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, validators=[MinValueValidator(0)])
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("reference parameter")
        verbose_name_plural = _("reference parameters")
        ordering = ["kind", "household_category", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "household_category", "effective_from"],
                name="parameter_unique_per_kind_category_date",
                violation_error_message=_("This parameter already has a value from that date."),
            ),
            models.CheckConstraint(
                name="parameter_category_only_for_support_rate",
                condition=Q(kind="vsi_support_rate", household_category__gt="")
                | (~Q(kind="vsi_support_rate") & Q(household_category="")),
                violation_error_message=_("The support rate needs a household category; other parameters take none."),
            ),
            models.CheckConstraint(
                name="parameter_value_not_negative",
                condition=Q(value__gte=0),
                violation_error_message=_("A parameter cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.household_category:
            label = f"{label} · {self.get_household_category_display()}"
        return f"{label} {self.effective_from:%d/%m/%Y}: {self.value.normalize():f}"


class Participant(models.Model):
    """A person who takes part in VSI or HHI, identified by their 12-digit personal ID."""

    personal_id = models.CharField(
        _("personal ID (CCCD)"), max_length=12, unique=True, validators=[personal_id_validator]
    )
    # NULL, not "", for "none": the partial unique constraint must skip the absent codes.
    social_insurance_code = models.CharField(  # noqa: DJ001
        _("social insurance code"),
        max_length=10,
        null=True,
        blank=True,
        validators=[social_insurance_code_validator],
    )
    full_name = models.CharField(_("full name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices)
    locality = models.ForeignKey(
        Locality,
        verbose_name=_("locality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # never looked up by locality; an index would only slow intake
    )
    household_category = models.CharField(
        _("household category"), max_length=20, choices=HouseholdCategory.choices, default=HouseholdCategory.OTHER
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["personal_id"]
        constraints = [
            # Partial: most participants have no legacy code, and NULLs need no index entry.
            models.UniqueConstraint(
                fields=["social_insurance_code"],
                condition=Q(social_insurance_code__isnull=False),
                name="participant_unique_si_code",
                violation_error_message=_("Another participant has this social insurance code."),
            ),
            # The same rule as enrollments.identity: ASCII digits only, never ０–９ or ².
            models.CheckConstraint(
                name="participant_personal_id_12_digits",
                condition=ascii_digits("personal_id", 12),
                violation_error_message=_("A personal ID (CCCD) has exactly 12 digits."),
            ),
            models.CheckConstraint(
                name="participant_si_code_10_digits",
                condition=Q(social_insurance_code__isnull=True) | ascii_digits("social_insurance_code", 10),
                violation_error_message=_("A social insurance code has exactly 10 digits."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.personal_id})"


class CoveragePeriod(models.Model):
    """A stretch of coverage a participant had for one product: imported from
    the core system, or created when an enrollment is confirmed."""

    class Source(models.TextChoices):
        CORE_SYSTEM = "core_system", _("Core system import")
        ENROLLMENT = "enrollment", _("Confirmed enrollment")
        MANUAL = "manual", _("Entered by staff")

    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="coverage_periods"
    )
    product = models.CharField(_("product"), max_length=3, choices=Product.choices)
    start = models.DateField(_("coverage start"))
    end = models.DateField(_("coverage end"), help_text=_("The last covered day."))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.CORE_SYSTEM)
    enrollment = models.OneToOneField(
        "Enrollment",
        verbose_name=_("enrollment"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coverage_period",
    )

    class Meta:
        verbose_name = _("coverage period")
        verbose_name_plural = _("coverage periods")
        ordering = ["participant", "product", "start"]
        constraints = [
            models.CheckConstraint(
                name="coverageperiod_start_not_after_end",
                condition=Q(start__lte=F("end")),
                violation_error_message=_("Coverage cannot end before it starts."),
            ),
            models.CheckConstraint(
                name="coverageperiod_enrollment_source",
                condition=Q(source="enrollment", enrollment__isnull=False)
                | (~Q(source="enrollment") & Q(enrollment__isnull=True)),
                violation_error_message=_("Coverage from an enrollment must name it, and only such coverage may."),
            ),
        ]
        indexes = [
            # The new-participant rule looks for coverage ending near a start date.
            models.Index(fields=["participant", "product", "end"], name="coverage_participant_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.product} {self.start:%d/%m/%Y}–{self.end:%d/%m/%Y}"


class Enrollment(models.Model):
    """One receipt collected by an agent: a participant enrolled for a product
    and a payment period, with what it owes, its status and whether it counts."""

    # One campaign holds nearly all rows of a national run, so an index on it alone
    # would not narrow anything; the composite indexes below start with it where it helps.
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="enrollments", db_index=False
    )
    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.PROTECT, related_name="enrollments")
    # No single-column indexes on agent and participant: the composite indexes
    # below lead with them, and every index costs each insert.
    agent = models.ForeignKey(
        Agent, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="enrollments", db_index=False
    )
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="enrollments",
        db_index=False,
    )
    product = models.CharField(_("product"), max_length=3, choices=Product.choices)
    client_ref = models.CharField(
        _("client reference"),
        max_length=64,
        help_text=_("The agent's own reference for the submission; a replay with the same reference is idempotent."),
    )
    receipt_no = models.CharField(_("receipt number"), max_length=40, blank=True)
    receipt_at = models.DateTimeField(_("receipt time"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    payment_months = models.PositiveSmallIntegerField(_("payment period (months)"))
    coverage_start = models.DateField(_("coverage start"))
    declared_income = models.PositiveBigIntegerField(_("declared monthly income (VND)"), null=True, blank=True)
    household_member_order = models.PositiveSmallIntegerField(_("household member order"), null=True, blank=True)
    household_category = models.CharField(
        _("household category"), max_length=20, choices=HouseholdCategory.choices, default=HouseholdCategory.OTHER
    )
    amount_due = models.PositiveBigIntegerField(_("amount due (VND)"), default=0)
    state_support = models.PositiveBigIntegerField(_("state support (VND)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.SUBMITTED
    )
    status_reason = models.TextField(_("status reason"), blank=True)
    counted = models.BooleanField(_("counted"), default=False)
    not_counted_reason = models.CharField(
        _("reason not counted"), max_length=20, choices=NotCountedReason.choices, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("counted on"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,  # a partial index below: most enrollments are no duplicate
        related_name="duplicates",
        help_text=_("The earlier enrollment that counts for this participant."),
    )
    request_fingerprint = models.CharField(
        _("request fingerprint"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("A digest of the submitted content: a replay must match it."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-receipt_at", "-pk"]
        permissions = [("review_enrollment", _("Can confirm, reject and cancel enrollments"))]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "client_ref"],
                name="enrollment_unique_client_ref_per_agent",
                violation_error_message=_("This agent already submitted an enrollment with this client reference."),
            ),
            models.UniqueConstraint(
                fields=["participant", "campaign", "product"],
                condition=Q(counted=True),
                name="enrollment_one_counted_per_participant",
                violation_error_message=_("The participant is already counted for this product in the campaign."),
            ),
            models.CheckConstraint(
                name="enrollment_payment_months_allowed",
                condition=Q(product="VSI", payment_months__in=VSI_PAYMENT_MONTHS)
                | Q(product="HHI", payment_months__in=HHI_PAYMENT_MONTHS),
                violation_error_message=_("VSI is paid for 1, 3, 6 or 12 months; HHI for 3, 6 or 12."),
            ),
            models.CheckConstraint(
                name="enrollment_product_fields",
                condition=Q(product="VSI", declared_income__isnull=False, household_member_order__isnull=True)
                | Q(
                    product="HHI",
                    household_member_order__isnull=False,
                    household_member_order__gte=1,
                    declared_income__isnull=True,
                ),
                violation_error_message=_(
                    "A VSI enrollment needs a declared income; an HHI enrollment a household member order."
                ),
            ),
            models.CheckConstraint(
                name="enrollment_counted_xor_reason",
                condition=Q(counted=True, not_counted_reason="") | Q(counted=False, not_counted_reason__gt=""),
                violation_error_message=_("An enrollment either counts or carries the reason it does not."),
            ),
            models.CheckConstraint(
                name="enrollment_closed_status_not_counted",
                condition=Q(status__in=["submitted", "confirmed"]) | Q(counted=False),
                violation_error_message=_("Rejected, cancelled and withdrawn enrollments never count."),
            ),
        ]
        indexes = [
            # Standings aggregate counted enrollments per agent within a phase;
            # on PostgreSQL the included columns let them read the index alone.
            models.Index(
                fields=["phase", "agent", "receipt_at"],
                name="enrollment_counted_phase_idx",
                condition=Q(counted=True),
                include=["status", "product", "payment_months", "amount_due"],
            ),
            # An agent's own list, newest first.
            models.Index(fields=["agent", "-receipt_at"], name="enrollment_agent_receipt_idx"),
            # The earliest-receipt-wins check looks at a participant's other enrollments.
            models.Index(fields=["participant", "product", "receipt_at"], name="enrollment_participant_idx"),
            # Confirmation imports match on the receipt number.
            models.Index(fields=["receipt_no"], name="enrollment_receipt_no_idx"),
            # Enrollments counted on a given one (and SET NULL when it is deleted).
            models.Index(
                fields=["duplicate_of"], name="enrollment_duplicate_of_idx", condition=Q(duplicate_of__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_ref} · {self.participant_id} · {self.product}"


class EnrollmentTransition(models.Model):
    """One change of an enrollment's status: who, when and why."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("enrollment"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("from status"), max_length=10, choices=EnrollmentStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=10, choices=EnrollmentStatus.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("enrollment status change")
        verbose_name_plural = _("enrollment status changes")
        ordering = ["enrollment", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.enrollment}: {self.from_status or '–'} → {self.to_status}"


class EnrollmentImport(models.Model):
    """A staff import of a campaign's enrollments from the collection software's
    export (CSV or .xlsx), run by a worker in chunks (``enrollments.history``).

    queued → running → done | failed. ``processed_rows`` is how far it has read:
    each chunk's enrollments, counters and error rows are committed together, so
    an attempt that stops (a lost worker, a failure) is resumed from there. The
    file stays in the row (web and worker machines share only the database)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="enrollment_imports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    filename = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("content"))
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    estimated_rows = models.PositiveIntegerField(_("rows (estimated)"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows read"), default=0)
    created_count = models.PositiveIntegerField(_("enrollments created"), default=0)
    unchanged_count = models.PositiveIntegerField(_("rows unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment import")
        verbose_name_plural = _("enrollment imports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep looks for running imports whose worker went silent.
            models.Index(fields=["heartbeat_at"], name="enrollmentimport_running_idx", condition=Q(status="running")),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.filename}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class EnrollmentImportError(models.Model):
    """A row of an enrollment import that was not taken, with every error it has."""

    job = models.ForeignKey(
        EnrollmentImport, verbose_name=_("enrollment import"), on_delete=models.CASCADE, related_name="row_errors"
    )
    row = models.PositiveIntegerField(_("row"))
    receipt_no = models.CharField(_("receipt number"), max_length=200, blank=True)
    messages = models.JSONField(_("errors"), default=list)

    class Meta:
        verbose_name = _("import row error")
        verbose_name_plural = _("import row errors")
        ordering = ["job", "row"]
        default_permissions = ()  # read through its import's report, never browsed on its own
        constraints = [
            # A resumed chunk may be read again: one row is reported once.
            models.UniqueConstraint(fields=["job", "row"], name="enrollmentimporterror_one_per_row"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} · {self.row}"
