"""An appeal against a phase's proposed results, and the record of its steps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from awards.models import CompetitorMixin, Finalization, _one_competitor
from campaigns.models import Phase
from core.models import acting_user
from enrollments.models import Enrollment


class Appeal(CompetitorMixin):
    """A complaint about a competitor's proposed result (or one of an agent's
    enrollments) filed during the notice period, and the council's answer."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.PROTECT, related_name="appeals")
    finalization = models.ForeignKey(
        Finalization,
        verbose_name=_("finalization appealed"),
        on_delete=models.PROTECT,
        related_name="appeals",
        help_text=_("The version of the results under notice when the appeal was filed."),
    )
    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The enrollment the appeal is about, if it is about one."),
    )
    text = models.TextField(_("appeal"))
    # Kept in the row, like an export's workbook (core.ExportJob): every web machine can serve it.
    attachment = models.BinaryField(_("attachment"), null=True, blank=True, editable=False)
    attachment_name = models.CharField(_("attachment file name"), max_length=200, blank=True)
    attachment_type = models.CharField(_("attachment type"), max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reply = models.TextField(_("reply"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"))
    answered_by = acting_user(_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    correction = models.ForeignKey(
        Finalization,
        verbose_name=_("corrected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_appeals",
        help_text=_("The finalization that corrected the results after the appeal was upheld."),
    )

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at", "-pk"]
        permissions = [("answer_appeal", _("Can answer appeals (council)"))]
        constraints = [
            models.CheckConstraint(name="appeal_one_competitor", condition=_one_competitor()),
            models.CheckConstraint(
                name="appeal_answer_has_reply",
                condition=Q(status="open", answered_at__isnull=True)
                | (Q(status__in=["upheld", "dismissed"], answered_at__isnull=False) & Q(reply__gt="")),
                violation_error_message=_("An answered appeal needs a written reply."),
            ),
            models.CheckConstraint(
                name="appeal_correction_only_when_upheld",
                condition=Q(correction__isnull=True) | Q(status="upheld"),
                violation_error_message=_("Only an upheld appeal is corrected."),
            ),
        ]
        indexes = [
            # Approving an award asks whether an appeal of its phase is open.
            models.Index(fields=["phase", "status"], name="appeal_phase_status_idx"),
        ]

    @property
    def has_attachment(self) -> bool:
        """Read from the file's name: the file's bytes are left out of lists (``defer("attachment")``)."""
        return bool(self.attachment_name)

    def __str__(self) -> str:
        return _("Appeal %(number)s · %(competitor)s") % {"number": self.pk, "competitor": self.competitor}


class AppealEvent(models.Model):
    """A recorded step of an appeal: filed, upheld, dismissed, corrected; who and when."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from status"), max_length=10, choices=Appeal.Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=10, choices=Appeal.Status.choices)
    at = models.DateTimeField(_("at"))
    by = acting_user()
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("appeal step")
        verbose_name_plural = _("appeal steps")
        ordering = ["appeal", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.from_status or '∅'} → {self.to_status}"
