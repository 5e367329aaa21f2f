from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.export_kinds import KIND_MAX_LENGTH, export_kind_choices


def acting_user(verbose_name=None) -> models.ForeignKey:
    """The login that did something a record keeps ("by", unless named otherwise): none
    for the system (a task, an import), and never deleted while a record names it; no
    reverse accessor."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name or _("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )


class ExportJob(models.Model):
    """An Excel workbook built by a Celery worker for a user; its kind is one
    that an app registered (``core.export_kinds``).

    The finished workbook is stored in the row itself (``content``): web and
    worker machines share the database but no disk, so the machine that
    answers the download need not be the one that wrote the file. Moves:
    queued → running → done | failed (see ``core.exports``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=KIND_MAX_LENGTH, choices=export_kind_choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="export_jobs",
        db_index=False,  # the index below leads with it
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    # The workbook's bytes, in the database rather than on a disk (see the class docstring).
    content = models.BinaryField(_("content"), null=True, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="exportjob_done_has_content",
                condition=~Q(status="done") | Q(content__isnull=False, finished_at__isnull=False),
                violation_error_message=_("A finished export job keeps its workbook."),
            ),
            models.CheckConstraint(
                name="exportjob_failed_has_error",
                condition=~Q(status="failed") | Q(error__gt=""),
                violation_error_message=_("A failed export job says why."),
            ),
        ]
        indexes = [
            # A user's own jobs, newest first (GET /api/v1/exports/).
            models.Index(fields=["requested_by", "-created_at"], name="exportjob_requester_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ImportPreview(models.Model):
    """An Excel import that a user uploaded and previewed, waiting for them to apply it.

    It holds the cells read from the file (``core.spreadsheets.SheetCells`` as
    JSON), not the file: applying it reads no workbook again. It is in the
    database, so any web process can apply it, with or without Redis. Its size is
    bounded by what the reader keeps of a file (``MAX_CELL_DATA``); a user keeps
    one per import, and previews are dropped after an hour (``core.admin_imports``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="import_previews",
        db_index=False,  # the index below leads with it
    )
    kind = models.CharField(_("import"), max_length=150)
    token = models.CharField(_("token"), max_length=64, unique=True)
    cells = models.JSONField(_("cells"))
    rows = models.PositiveIntegerField(_("rows"))
    # Not auto_now_add: a preview put back after a run that applied nothing keeps its age.
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("import preview")
        verbose_name_plural = _("import previews")
        default_permissions = ()  # never edited by hand
        indexes = [
            # A user's preview of an import, replaced by their next upload.
            models.Index(fields=["user", "kind"], name="importpreview_user_kind_idx"),
            # The expired previews, deleted when another is stored or applied.
            models.Index(fields=["created_at"], name="importpreview_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.rows})"
