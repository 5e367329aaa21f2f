"""The results of a campaign: provisional standings kept on write (tallies),
final standings (versioned), awards and nominations.

Provisional standings are kept in ``Tally`` rows, one per rule, phase and
competitor, updated by every write that can change a score (``awards.tally``),
and read a page at a time from their index. Finalizing a phase stores its final standings as a numbered version
(``Finalization``) with the awards it proposes; reopening and finalizing again
makes the next version and supersedes the awards of the previous one.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import AwardRule, Campaign, Cluster, CompetitorKind, Phase, PrizeTier, Team
from collectors.models import Agent, CommendationBar, Unit
from core.models import acting_user


def _one_competitor() -> Q:
    """Exactly the competitor column of the row's kind is set."""
    return (
        Q(competitor_kind=CompetitorKind.AGENT, agent__isnull=False, team__isnull=True, unit__isnull=True)
        | Q(competitor_kind=CompetitorKind.TEAM, agent__isnull=True, team__isnull=False, unit__isnull=True)
        | Q(competitor_kind=CompetitorKind.UNIT, agent__isnull=True, team__isnull=True, unit__isnull=False)
    )


# Snapshot references: not indexed nor checked by the database row by row (see Standing).
_SNAPSHOT = {"db_index": False, "db_constraint": False}


class CompetitorMixin(models.Model):
    """An agent, a team or a unit, with its code and name as they were."""

    competitor_kind = models.CharField(_("competitor kind"), max_length=10, choices=CompetitorKind.choices)
    agent = models.ForeignKey(
        Agent, verbose_name=_("agent"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("BHXH unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    competitor_code = models.CharField(_("code"), max_length=50)
    competitor_name = models.CharField(_("name"), max_length=300)

    class Meta:
        abstract = True

    @property
    def competitor_id(self) -> int | None:
        return self.agent_id or self.team_id or self.unit_id

    @property
    def competitor(self) -> str:
        return f"{self.competitor_code} · {self.competitor_name}"


class Finalization(models.Model):
    """One version of a phase's final standings and the awards proposed from them."""

    class Trigger(models.TextChoices):
        STAFF = "staff", _("Started by staff")
        AUTOMATIC = "automatic", _("After the review period")

    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.PROTECT, related_name="finalizations")
    version = models.PositiveSmallIntegerField(_("version"))
    current = models.BooleanField(_("current"), default=True)
    trigger = models.CharField(_("started"), max_length=10, choices=Trigger.choices, default=Trigger.STAFF)
    by = acting_user()
    at = models.DateTimeField(_("at"), auto_now_add=True)
    tally_agreed = models.BooleanField(
        _("tally agreed"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Whether the standings kept on write matched a full recount when the phase was finalized."),
    )
    tally_differences = models.PositiveIntegerField(
        _("tally differences"), default=0, editable=False, help_text=_("Rows of the tally repaired when finalizing.")
    )
    notice_ends_at = models.DateTimeField(
        _("notice period ends"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The proposed results are published for appeals until then; awards are approved after it."),
    )
    changes = models.JSONField(
        _("changed winners"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("Winners gained and lost compared with the previous version."),
    )

    class Meta:
        verbose_name = _("finalization")
        verbose_name_plural = _("finalizations")
        ordering = ["phase", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "version"],
                name="finalization_unique_version",
                violation_error_message=_("The phase already has a finalization with this version."),
            ),
            models.UniqueConstraint(
                fields=["phase"],
                condition=Q(current=True),
                name="finalization_one_current_per_phase",
                violation_error_message=_("A phase has one current finalization."),
            ),
            models.CheckConstraint(name="finalization_version_positive", condition=Q(version__gte=1)),
        ]

    def __str__(self) -> str:
        return _("%(phase)s · version %(version)s") % {"phase": self.phase, "version": self.version}


class Standing(models.Model):
    """A competitor's place on a final leaderboard, as finalized.

    Finalizing writes a whole phase's standings (tens of thousands of rows) in
    one statement, so the table carries only the indexes its reads need: the
    unique (finalization, rule, competitor) ones. The competitor, rule and
    cluster columns are snapshots, like the code and name beside them: they are
    written from the live rows in the same transaction and are not foreign-key
    checked row by row; deleting an agent, team or unit with standings is still
    refused (on_delete PROTECT).
    """

    finalization = models.ForeignKey(
        Finalization,
        verbose_name=_("finalization"),
        on_delete=models.CASCADE,
        related_name="standings",
        db_index=False,
    )
    rule = models.ForeignKey(
        AwardRule, verbose_name=_("award rule"), on_delete=models.PROTECT, related_name="+", **_SNAPSHOT
    )
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("cluster"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        **_SNAPSHOT,
    )
    competitor_kind = models.CharField(_("competitor kind"), max_length=10, choices=CompetitorKind.choices)
    agent = models.ForeignKey(
        Agent, verbose_name=_("agent"), on_delete=models.PROTECT, null=True, blank=True, related_name="+", **_SNAPSHOT
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, null=True, blank=True, related_name="+", **_SNAPSHOT
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("BHXH unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        **_SNAPSHOT,
    )
    competitor_code = models.CharField(_("code"), max_length=50)
    competitor_name = models.CharField(_("name"), max_length=300)
    score = models.DecimalField(_("score"), max_digits=20, decimal_places=4)
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=4, null=True, blank=True)
    reached_at = models.DateTimeField(_("reached at"), null=True, blank=True)
    eligible = models.BooleanField(_("eligible"))
    screen_reason = models.CharField(
        _("barred from commendation"),
        max_length=15,
        blank=True,
        choices=CommendationBar.Reason.choices,
        help_text=_("Why the competitor was not eligible: barred from commendation during the phase."),
    )
    screen_note = models.CharField(_("details of the bar"), max_length=500, blank=True)
    position = models.PositiveIntegerField(_("position"))
    rank = models.PositiveIntegerField(_("prize rank"), null=True, blank=True)
    quota_counts = models.CharField(
        _("quota counts"), max_length=200, blank=True, help_text=_("Each applicable quota's count, comma-separated.")
    )

    class Meta:
        verbose_name = _("standing")
        verbose_name_plural = _("standings")
        ordering = ["finalization", "rule", "cluster", "position"]
        constraints = [
            models.CheckConstraint(name="standing_one_competitor", condition=_one_competitor()),
            *[
                models.UniqueConstraint(
                    fields=["finalization", "rule", field],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"standing_unique_{field}",
                )
                for field in ("agent", "team", "unit")
            ],
        ]
        indexes = [
            # Choosing the winners reads the top prize ranks of each board.
            models.Index(
                fields=["finalization", "rule", "rank"], name="standing_prize_rank_idx", condition=Q(rank__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.competitor_code} · {self.competitor_name}"

    @property
    def competitor_id(self) -> int | None:
        return self.agent_id or self.team_id or self.unit_id

    @property
    def quotas(self) -> tuple[int, ...]:
        return tuple(int(count) for count in self.quota_counts.split(",") if count)


class Award(CompetitorMixin):
    """A prize tier given to a competitor, from proposal to decision."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        REVIEWED = "reviewed", _("Reviewed by the council")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Superseded by a new finalization")

    ACTIVE = (Status.PROPOSED, Status.REVIEWED, Status.APPROVED)

    finalization = models.ForeignKey(
        Finalization, verbose_name=_("finalization"), on_delete=models.PROTECT, related_name="awards"
    )
    standing = models.OneToOneField(
        Standing, verbose_name=_("standing"), on_delete=models.PROTECT, related_name="award"
    )
    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.PROTECT, related_name="awards")
    rule = models.ForeignKey(AwardRule, verbose_name=_("award rule"), on_delete=models.PROTECT, related_name="awards")
    tier = models.ForeignKey(PrizeTier, verbose_name=_("prize"), on_delete=models.PROTECT, related_name="awards")
    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = models.PositiveBigIntegerField(_("amount (VND)"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    council_reference = models.CharField(_("council minutes"), max_length=100, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    status_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["phase", "rule", "cluster", "tier__position", "standing__position"]
        permissions = [
            ("review_award", _("Can review awards (council)")),
            ("approve_award", _("Can approve or reject awards (director)")),
            ("revoke_award", _("Can revoke approved awards")),
        ]
        constraints = [
            models.CheckConstraint(name="award_one_competitor", condition=_one_competitor()),
            # One competitor receives at most one tier per rule and phase (DESIGN §5).
            *[
                models.UniqueConstraint(
                    fields=["rule", "phase", field],
                    condition=Q(**{f"{field}__isnull": False}, status__in=["proposed", "reviewed", "approved"]),
                    name=f"award_one_tier_per_{field}",
                    violation_error_message=_("This competitor already has a prize of this rule in this phase."),
                )
                for field in ("agent", "team", "unit")
            ],
            models.CheckConstraint(
                name="award_approval_has_decision",
                condition=~Q(status__in=["approved", "revoked"])
                | (Q(decision_number__gt="") & Q(decision_date__isnull=False)),
                violation_error_message=_("An approved award needs a decision number and date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier.title} · {self.competitor}"


class StatusChange(models.Model):
    """A recorded move of a record along its state map (``core.transitions.status_move``):
    who, when, why, and the reference of the act (minutes, decision)."""

    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = acting_user()
    reason = models.TextField(_("reason"), blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    class Meta:
        abstract = True


class AwardTransition(StatusChange):
    """A recorded change of an award's status: who, when, why."""

    award = models.ForeignKey(Award, verbose_name=_("award"), on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from status"), max_length=10, choices=Award.Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=10, choices=Award.Status.choices)

    class Meta:
        verbose_name = _("award status change")
        verbose_name_plural = _("award status changes")
        ordering = ["award", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.award}: {self.from_status or '∅'} → {self.to_status}"


class Nomination(models.Model):
    """An individual (or a body) proposed for a distinction: under a winning
    unit's award (capped by its prize tier's nominees per winner), or from
    outside the sector. It moves like an award (``awards.nominations``):
    proposed → reviewed (council minutes) → approved (decision) | rejected."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        REVIEWED = "reviewed", _("Reviewed by the council")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    ACTIVE = (Status.PROPOSED, Status.REVIEWED, Status.APPROVED)

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="nominations"
    )
    phase = models.ForeignKey(
        Phase,
        verbose_name=_("phase"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
        help_text=_("The phase whose award documents list the nomination: the award's phase, or one chosen."),
    )
    award = models.ForeignKey(
        Award,
        verbose_name=_("under award"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
        help_text=_("The winning unit's award; empty for a nomination from outside the sector."),
    )
    tier = models.ForeignKey(
        PrizeTier,
        verbose_name=_("prize"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
        help_text=_("The prize whose nominee distinction and amount the nomination takes by default."),
    )
    proposed_by_unit = models.ForeignKey(
        Unit, verbose_name=_("proposed by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        Agent,
        verbose_name=_("agent or staff member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    full_name = models.CharField(_("full name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    organization = models.CharField(_("organization"), max_length=300, blank=True)
    outside_sector = models.BooleanField(_("outside the sector"), default=False)
    collective = models.BooleanField(_("collective"), default=False, help_text=_("A body rather than a person."))
    distinction = models.CharField(_("distinction"), max_length=200, blank=True)
    amount = models.PositiveBigIntegerField(_("amount (VND)"), default=0)
    achievements = models.TextField(_("achievements"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    council_reference = models.CharField(_("council minutes"), max_length=100, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    status_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = acting_user()

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["campaign", "award", "pk"]
        constraints = [
            models.CheckConstraint(
                name="nomination_under_award_or_outside",
                condition=Q(award__isnull=False) | Q(outside_sector=True),
                violation_error_message=_(
                    "A nomination is made under a winning unit's award, or from outside the sector."
                ),
            ),
            models.CheckConstraint(
                name="nomination_approval_has_decision",
                condition=~Q(status="approved") | (Q(decision_number__gt="") & Q(decision_date__isnull=False)),
                violation_error_message=_("An approved nomination needs a decision number and date."),
            ),
        ]
        indexes = [
            # The award documents and the award list read a phase's nominations.
            models.Index(fields=["phase", "status"], name="nomination_phase_status_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        super().clean()
        if not self.award_id:
            return
        if self.award.competitor_kind != CompetitorKind.UNIT:
            raise ValidationError({"award": _("Individuals are nominated under a unit's award.")})
        cap = self.award.tier.nominees_per_winner
        others = Nomination.objects.filter(award_id=self.award_id).exclude(pk=self.pk).exclude(status="rejected")
        if self.status != self.Status.REJECTED and others.count() >= cap:
            raise ValidationError(
                {"award": _("This prize allows %(cap)s nominated individuals per unit.") % {"cap": cap}}
            )


class NominationTransition(StatusChange):
    """A recorded change of a nomination's status: who, when, why."""

    nomination = models.ForeignKey(
        Nomination, verbose_name=_("nomination"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("from status"), max_length=10, choices=Nomination.Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=10, choices=Nomination.Status.choices)

    class Meta:
        verbose_name = _("nomination status change")
        verbose_name_plural = _("nomination status changes")
        ordering = ["nomination", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.nomination}: {self.from_status or '∅'} → {self.to_status}"


class TallyState(models.Model):
    """Whether a campaign's tallies can be read as they are. A change of the
    campaign's set-up (rules, quotas, clusters, teams, plans, indicators, the
    tree of units and localities) marks them stale in its own transaction; the
    next read rebuilds them by a full recount. Writers of enrollments hold the
    row FOR SHARE and a rebuild FOR UPDATE, so that a rebuild never misses a
    write committed while it counts. A campaign without a row is stale."""

    campaign = models.OneToOneField(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="tally_state"
    )
    stale = models.BooleanField(_("stale"), default=True)
    rebuilt_at = models.DateTimeField(_("rebuilt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tally state")
        verbose_name_plural = _("tally states")

    def __str__(self) -> str:
        return str(self.campaign)


class Tally(models.Model):
    """A competitor's provisional standing under a rule at a phase (DESIGN §12):
    score, reached-at, quota counts and eligibility as the recount of §5 gives
    them, kept in the same transaction as every write that can change them.
    A competitor competes in one cluster of a campaign, so (rule, phase,
    competitor) is unique and the cluster is the board the row is listed on.
    The board index serves a page of a leaderboard and the rows ahead of a
    competitor (its rank) without ranking the board."""

    rule = models.ForeignKey(AwardRule, verbose_name=_("award rule"), on_delete=models.CASCADE, related_name="+")
    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="+")
    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    competitor_id = models.BigIntegerField(_("competitor"))
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=300)
    score = models.DecimalField(_("score"), max_digits=20, decimal_places=4, default=0)
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=4, null=True, blank=True)
    reached_at = models.DateTimeField(_("reached at"), null=True, blank=True)
    eligible = models.BooleanField(_("eligible"), default=False)
    screen_id = models.BigIntegerField(
        _("bar from commendation"),
        null=True,
        blank=True,
        help_text=_("The bar from commendation that makes the competitor not eligible (awards.screening)."),
    )
    quota_counts = models.JSONField(_("quota counts"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")
        constraints = [
            models.UniqueConstraint(fields=["rule", "phase", "competitor_id"], name="tally_one_row_per_competitor"),
        ]
        indexes = [
            models.Index(
                fields=["rule", "phase", "cluster", "-eligible", "-score", "reached_at", "code"], name="tally_board_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.score}"


# Appeals against the proposed results live in their own module (``awards.appeals``).
from awards.appeals.models import Appeal, AppealEvent  # noqa: E402, F401

# The records of the award dossier live beside the documents they feed.
from awards.documents.models import CouncilMeeting, DocumentTemplate  # noqa: E402, F401
