"""The report of an enrollment import: its counts, then every row not taken with every error it has."""

from __future__ import annotations

from typing import IO

from django.utils.translation import gettext as _

from core.workbooks import COUNT, Column, WorkbookWriter, datetime_text
from enrollments.models import EnrollmentImport, EnrollmentImportError


def report_filename(job: EnrollmentImport) -> str:
    return f"bao-cao-nhap-{job.campaign.code}-{job.pk}.xlsx"


def write_import_report(output: IO[bytes], *, job: EnrollmentImport) -> int:
    """Write the report of ``job`` (streamed: the error rows are read in pk batches); returns the rows written."""
    with WorkbookWriter(output) as book:
        tz = job.campaign.tzinfo
        titles = [
            _("Enrollment import: %(campaign)s") % {"campaign": job.campaign.name},
            _("File %(file)s, imported %(at)s: %(status)s")
            % {"file": job.filename, "at": datetime_text(job.created_at, tz), "status": job.get_status_display()},
        ]
        summary = book.sheet(
            _("Summary"), columns=[Column(_("Rows"), 36), Column(_("Count"), 14, COUNT)], titles=titles
        )
        for label, value in (
            (_("rows read"), job.processed_rows),
            (_("enrollments created"), job.created_count),
            (_("rows unchanged"), job.unchanged_count),
            (_("rows with errors"), job.error_count),
        ):
            summary.append([str(label), value])
        sheet = book.sheet(
            _("Errors"),
            columns=[Column(_("Row"), 10, COUNT), Column(_("Receipt number"), 22), Column(_("Errors"), 80, wrap=True)],
            titles=titles,
        )
        written = 0
        rows = (
            EnrollmentImportError.objects.filter(job=job).order_by("row").values_list("row", "receipt_no", "messages")
        )
        for row, receipt_no, messages in rows.iterator(chunk_size=2000):
            sheet.append([row, receipt_no, "; ".join(messages)])
            written += 1
    return written
