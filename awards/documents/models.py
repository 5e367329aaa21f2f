"""The records the award dossier reads besides awards and nominations: the
council's meetings with their votes, and the Word templates an office uploads
in place of the shipped ones. Part of the awards app (imported by
``awards.models``)."""

from __future__ import annotations

from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from awards.documents.validators import validate_docx_template
from campaigns.models import Phase
from collectors.models import Unit
from core.models import acting_user


class CouncilMeeting(models.Model):
    """A meeting of the emulation and rewards council on a phase's proposals,
    with its votes: what the council minutes (biên bản họp) record."""

    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.PROTECT, related_name="council_meetings")
    minutes_number = models.CharField(
        _("minutes number"), max_length=100, help_text=_("Number and symbol of the minutes, e.g. 12/BB-HĐTĐKT.")
    )
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    chair = models.CharField(_("chair"), max_length=200)
    chair_title = models.CharField(_("chair's title"), max_length=200, blank=True)
    secretary = models.CharField(_("secretary"), max_length=200)
    members_total = models.PositiveSmallIntegerField(_("council members"))
    members_present = models.PositiveSmallIntegerField(_("members present"))
    votes_for = models.PositiveSmallIntegerField(_("votes for"))
    votes_against = models.PositiveSmallIntegerField(_("votes against"), default=0)
    votes_abstaining = models.PositiveSmallIntegerField(_("abstentions"), default=0)
    conclusion = models.TextField(_("conclusion"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = acting_user()

    class Meta:
        verbose_name = _("council meeting")
        verbose_name_plural = _("council meetings")
        ordering = ["phase", "-held_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "minutes_number"],
                name="councilmeeting_unique_minutes",
                violation_error_message=_("This phase already has minutes with this number."),
            ),
            models.CheckConstraint(
                name="councilmeeting_present_within_members",
                condition=Q(members_present__lte=models.F("members_total")),
                violation_error_message=_("More members present than the council has."),
            ),
            models.CheckConstraint(
                name="councilmeeting_votes_within_present",
                condition=Q(
                    members_present__gte=models.F("votes_for")
                    + models.F("votes_against")
                    + models.F("votes_abstaining")
                ),
                violation_error_message=_("More votes than members present."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes_number} · {self.phase}"


class DocumentTemplate(models.Model):
    """A unit's own Word template for one document of the award dossier,
    replacing the shipped one for the campaigns it and the units below it
    organize (``awards.documents``)."""

    class Kind(models.TextChoices):
        SUBMISSION = "submission", _("Submission (tờ trình)")
        MINUTES = "minutes", _("Council minutes (biên bản họp)")
        DECISION = "decision", _("Award decision (quyết định khen thưởng)")

    unit = models.ForeignKey(
        Unit, verbose_name=_("BHXH unit"), on_delete=models.CASCADE, related_name="document_templates"
    )
    kind = models.CharField(_("document"), max_length=12, choices=Kind.choices)
    file = models.FileField(
        _("Word template (.docx)"),
        upload_to="document_templates/",
        validators=[FileExtensionValidator(["docx"]), validate_docx_template],
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now=True)
    uploaded_by = acting_user()

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["unit", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind"],
                name="documenttemplate_one_per_unit_and_kind",
                violation_error_message=_("This unit already has a template for this document."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.unit}"
