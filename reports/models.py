"""Notices to agents (DESIGN §13): what they are told in the app and by e-mail,
what each user wants to be told, and what the periodic checks remember.

A notice is written once per event: its ``event_key`` names the event (a
rejection's history row, a quota and a phase, an approved award …), and the
database keeps one notice per user and event, so a task run again, or an event
heard twice, adds nothing. Its text is rendered when it is read, in the
reader's language, from ``kind`` and ``data`` (``reports.notices.texts``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models import AwardRule, Phase
from collectors.models import Agent


class NoticeKind(models.TextChoices):
    ENROLLMENT_REJECTED = "enrollment_rejected", _("Enrollment rejected")
    ENROLLMENT_CANCELLED = "enrollment_cancelled", _("Enrollment cancelled")
    QUOTA_REACHED = "quota_reached", _("Quota reached")
    PRIZE_ENTERED = "prize_entered", _("Entered the prize places")
    PRIZE_LEFT = "prize_left", _("Left the prize places")
    PHASE_CLOSING = "phase_closing", _("Phase closing in 24 hours")
    AWARD_APPROVED = "award_approved", _("Award approved")


class Notice(models.Model):
    """Something that happened to a user's work, told once."""

    class Email(models.TextChoices):
        NOT_WANTED = "not_wanted", _("Not wanted")
        NO_ADDRESS = "no_address", _("No address")
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NoticeKind.choices)
    event_key = models.CharField(_("event"), max_length=200)
    data = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    in_app = models.BooleanField(_("shown in the app"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email = models.CharField(_("e-mail"), max_length=12, choices=Email.choices, default=Email.NOT_WANTED)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event_key"],
                name="notice_one_per_user_and_event",
                violation_error_message=_("This user was already told of this event."),
            ),
        ]
        indexes = [
            # A user's list, newest first, and the bell's count of the unread.
            models.Index(fields=["user", "in_app", "-created_at"], name="notice_user_list_idx"),
            models.Index(
                fields=["user"],
                name="notice_user_unread_idx",
                condition=models.Q(in_app=True, read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"

    @property
    def read(self) -> bool:
        return self.read_at is not None


class NoticePreference(models.Model):
    """What a user wants to be told of one kind of event. A kind without a row
    is told both in the app and by e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notice_preferences"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NoticeKind.choices)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        verbose_name = _("notice preference")
        verbose_name_plural = _("notice preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notice_preference_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class PrizePlace(models.Model):
    """Whether an agent was, when last checked, in the prize places of a rule's
    provisional board at a phase. ``changes`` counts the moves in and out: each
    move is one event, told once."""

    rule = models.ForeignKey(AwardRule, verbose_name=_("award rule"), on_delete=models.CASCADE, related_name="+")
    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(Agent, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="+")
    inside = models.BooleanField(_("in the prize places"), default=False)
    changes = models.PositiveIntegerField(_("changes"), default=0)
    checked_at = models.DateTimeField(_("checked at"), auto_now=True)

    class Meta:
        verbose_name = _("prize place")
        verbose_name_plural = _("prize places")
        constraints = [
            models.UniqueConstraint(fields=["rule", "phase", "agent"], name="prize_place_one_per_agent"),
        ]
        indexes = [models.Index(fields=["rule", "phase", "inside"], name="prize_place_inside_idx")]

    def __str__(self) -> str:
        return f"{self.agent} · {self.rule} · {self.phase}"


class PhaseReminder(models.Model):
    """A phase's agents were told that it ends within a day (once per cutoff:
    a phase whose cutoff moves is told again)."""

    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="+")
    cutoff = models.DateTimeField(_("cutoff"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("phase reminder")
        verbose_name_plural = _("phase reminders")
        constraints = [models.UniqueConstraint(fields=["phase", "cutoff"], name="phase_reminder_once_per_cutoff")]

    def __str__(self) -> str:
        return str(self.phase)
