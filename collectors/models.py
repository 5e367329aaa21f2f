"""Who recruits and where: localities, BHXH units, service organizations and
agents; and the unit each staff member works for, which is where they reach
(DESIGN §10, ``core.reach``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    _("Use letters, digits, dots, dashes and underscores only."),
)


class Locality(models.Model):
    """An administrative unit.

    Both the pre-2025 three-level map (province, district, commune) and today's
    two-level map (province, commune) fit: a commune's parent is a district or,
    after the 2025 reform, the province itself. Retired units stay, inactive,
    so that old campaigns keep their clusters.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province / city")
        DISTRICT = "district", _("District / town")
        COMMUNE = "commune", _("Commune / ward")

    code = models.CharField(_("code"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent locality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("locality")
        verbose_name_plural = _("localities")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="locality_province_has_no_parent",
                condition=Q(level="province", parent__isnull=True) | ~Q(level="province"),
                violation_error_message=_("A province cannot have a parent locality."),
            ),
            models.CheckConstraint(
                name="locality_below_province_has_parent",
                condition=Q(level="province") | Q(parent__isnull=False),
                violation_error_message=_("A district or commune must have a parent locality."),
            ),
            models.CheckConstraint(
                name="locality_not_own_parent",
                condition=~Q(parent=models.F("pk")),
                violation_error_message=_("A locality cannot be its own parent."),
            ),
        ]
        indexes = [
            # Cluster membership walks from a locality to its children.
            models.Index(fields=["parent", "level"], name="locality_parent_level_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.parent_id is None:
            return
        order = {self.Level.PROVINCE: 0, self.Level.DISTRICT: 1, self.Level.COMMUNE: 2}
        if order[self.parent.level] >= order[self.level]:
            raise ValidationError({"parent": _("The parent must be a higher level than the locality itself.")})


class Unit(models.Model):
    """A BHXH office: Vietnam Social Security, a provincial office, a district
    office (BHXH cơ sở) or a department (phòng nghiệp vụ)."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("Vietnam Social Security")
        PROVINCE = "province", _("Provincial office")
        DISTRICT = "district", _("District / local office")
        DEPARTMENT = "department", _("Department")

    code = models.CharField(_("code"), max_length=30, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    locality = models.ForeignKey(
        Locality,
        verbose_name=_("locality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
    )
    headcount = models.PositiveIntegerField(
        _("headcount"),
        default=0,
        help_text=_("Staff on the payroll assigned to the unit; used for per-headcount prize money."),
    )
    active = models.BooleanField(_("active"), default=True)

    # A unit is the office itself (core.reach).
    reach_path = "pk"

    class Meta:
        verbose_name = _("BHXH unit")
        verbose_name_plural = _("BHXH units")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="unit_not_own_parent",
                condition=~Q(parent=models.F("pk")),
                violation_error_message=_("A unit cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceOrganization(models.Model):
    """A collection service organization (tổ chức dịch vụ thu, TCDV) under contract with a unit."""

    class Kind(models.TextChoices):
        POST_OFFICE = "post_office", _("Post office")
        OTHER_AGENT = "other_agent", _("Other agent organization")
        BHXH_UNIT = "bhxh_unit", _("BHXH unit")
        COMMUNE_COMMITTEE = "commune_committee", _("Commune people's committee")

    code = models.CharField(_("code"), max_length=30, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    contracting_unit = models.ForeignKey(
        Unit,
        verbose_name=_("contracting unit"),
        on_delete=models.PROTECT,
        related_name="service_organizations",
    )
    locality = models.ForeignKey(
        Locality,
        verbose_name=_("locality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_organizations",
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("managers"),
        blank=True,
        related_name="managed_organizations",
        help_text=_("Users who follow this organization's agents and download its rankings."),
    )
    active = models.BooleanField(_("active"), default=True)

    # An organization belongs to the unit it is under contract with (core.reach).
    reach_path = "contracting_unit"

    class Meta:
        verbose_name = _("service organization")
        verbose_name_plural = _("service organizations")
        ordering = ["code"]
        indexes = [
            # Progress reports split the post office from other agents.
            models.Index(fields=["kind"], name="serviceorg_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A person who recruits participants: a collection agent of a service
    organization, or a member of BHXH staff (a leader or not)."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Collection agent")
        STAFF = "staff", _("Staff member")
        LEADER = "leader", _("Leader")

    code = models.CharField(_("code"), max_length=30, unique=True, validators=[code_validator])
    full_name = models.CharField(_("full name"), max_length=200)
    organization = models.ForeignKey(
        ServiceOrganization,
        verbose_name=_("service organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agents",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("BHXH unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agents",
        help_text=_("The unit the person works in (staff), or the unit that manages the agent."),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)
    locality = models.ForeignKey(
        Locality,
        verbose_name=_("locality served"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agents",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agent",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)

    # An agent belongs to their own unit, or to the unit their organization is under contract with (core.reach).
    reach_path = ("unit", "organization__contracting_unit")

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="agent_belongs_to_organization_or_unit",
                condition=Q(organization__isnull=False) | Q(unit__isnull=False),
                violation_error_message=_("An agent must belong to a service organization or a BHXH unit."),
            ),
        ]
        indexes = [
            # Rankings and progress reports group agents by organization and locality.
            models.Index(fields=["organization", "active"], name="agent_org_active_idx"),
            models.Index(fields=["locality", "active"], name="agent_locality_active_idx"),
            models.Index(fields=["unit", "role"], name="agent_unit_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.full_name}"


class StaffAssignment(models.Model):
    """The BHXH unit a staff member works for. Their reach is that unit and
    every unit below it (Vietnam Social Security's staff: everything); staff
    without a unit reach nothing. Role permissions say what they may do, the
    unit says where (DESIGN §10)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="staff_assignment",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("BHXH unit"),
        on_delete=models.PROTECT,
        related_name="staff_assignments",
        help_text=_(
            "The staff member reads and acts on the campaigns, agents and data of this unit and the units below it."
        ),
    )

    # An assignment is managed by whoever reaches its unit (core.reach).
    reach_path = "unit"

    class Meta:
        verbose_name = _("staff member's unit")
        verbose_name_plural = _("staff members' units")
        ordering = ["unit", "user"]

    def __str__(self) -> str:
        return f"{self.user} – {self.unit}"


class CommendationBar(models.Model):
    """A period during which an agent or a BHXH unit may not be commended
    (DESIGN §11.3): under discipline, under investigation, or another reason
    written out. A competitor barred during a phase stays on its leaderboards
    but is not eligible for a prize (``awards.scoring``). Bars are kept as
    history: a new period is a new row."""

    class Reason(models.TextChoices):
        DISCIPLINE = "discipline", _("Under discipline")
        INVESTIGATION = "investigation", _("Under investigation")
        OTHER = "other", _("Other reason")

    agent = models.ForeignKey(
        Agent,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="commendation_bars",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("BHXH unit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="commendation_bars",
    )
    reason = models.CharField(_("reason"), max_length=15, choices=Reason.choices)
    note = models.CharField(
        _("details"),
        max_length=500,
        blank=True,
        help_text=_("The decision or the case, as it should be shown on the leaderboard."),
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty while it lasts."))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # A bar belongs to the office of the agent or unit it bars (core.reach).
    reach_path = ("unit", "agent__unit", "agent__organization__contracting_unit")

    class Meta:
        verbose_name = _("bar from commendation")
        verbose_name_plural = _("bars from commendation")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="commendation_bar_agent_or_unit",
                condition=Q(agent__isnull=False, unit__isnull=True) | Q(agent__isnull=True, unit__isnull=False),
                violation_error_message=_("A bar from commendation concerns one agent or one BHXH unit."),
            ),
            models.CheckConstraint(
                name="commendation_bar_ends_after_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                violation_error_message=_("A bar from commendation cannot end before it starts."),
            ),
            models.CheckConstraint(
                name="commendation_bar_other_is_explained",
                condition=~Q(reason="other") | ~Q(note=""),
                violation_error_message=_("Write out the reason."),
            ),
        ]
        indexes = [
            # Scoring looks up each competitor's bars overlapping a phase.
            models.Index(fields=["agent", "start_date"], name="bar_agent_start_idx", condition=Q(agent__isnull=False)),
            models.Index(fields=["unit", "start_date"], name="bar_unit_start_idx", condition=Q(unit__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.describe(self.reason, self.note)

    @classmethod
    def describe(cls, reason: str, note: str = "") -> str:
        """What a leaderboard shows of a bar: its reason, and the details when given."""
        label = str(cls.Reason(reason).label) if reason in cls.Reason.values else reason
        return f"{label}: {note}" if note else label
