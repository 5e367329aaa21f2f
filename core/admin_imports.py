"""Excel imports in the admin: an upload page per import, its template, a
preview and the row-by-row report.

A ModelAdmin lists its imports in ``excel_imports``; each gets a page at
``<changelist>/import/<slug>/`` and a template at ``…/import/<slug>/template/``.
An upload is first checked and previewed: every row is run in a transaction
that is rolled back, so the preview shows what each row would do, or what is
wrong with it. The cells read from the file wait in the database (an
``ImportPreview``, so that any web process can apply them) until the user
applies them: all rows when none is wrong, or, if they choose, the valid rows
only. Each import needs the permission it names, and reads and changes only
what the user reaches (``core.reach``): its run gets the user's reach, and a
row naming something out of it is a wrong row.

A file over ``settings.UPLOAD_MAX_SIZE`` is refused by the form; the reader
(``core.spreadsheets``) refuses what would take too long or too much memory.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ImportPreview
from core.parsers import upload_size_error
from core.reach import reach_of
from core.spreadsheets import Column, ImportReport, SheetCells, SpreadsheetError, read_cells, template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExcelImport:
    slug: str
    title: Any
    columns: list[Column]
    # run(file=…, by=…, apply_valid=…, preview=…, reach=…): preview runs are rolled back, so
    # what they report must not be what only the real run gives (an initial password).
    # ``file`` is the SheetCells read from the upload, which read_rows takes as a file;
    # ``reach`` is the user's (core.reach): rows naming what it does not reach are errors.
    run: Callable[..., ImportReport]
    permission: str
    example: list[Any] | None = None


# How long an uploaded file waits for the user to apply its preview.
PREVIEW_SECONDS = 3600


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if message := upload_size_error(upload.size):
            raise ValidationError(message, code="too_large")
        return upload


class ApplyForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    apply_valid = forms.BooleanField(required=False, widget=forms.HiddenInput)


# --- previews waiting to be applied ---------------------------------------------------


def _expired() -> Q:
    return Q(created_at__lt=timezone.now() - timedelta(seconds=PREVIEW_SECONDS))


@transaction.atomic
def import_preview_store(*, user, kind: str, cells: SheetCells) -> str:
    """Keep the cells of a previewed file for ``user`` and return the token that
    applies them. The user's previous preview of the same import, and everyone's
    expired ones, are dropped."""
    ImportPreview.objects.filter(_expired() | Q(user=user, kind=kind)).delete()
    preview = ImportPreview(
        user=user, kind=kind, token=secrets.token_urlsafe(24), cells=cells.to_json(), rows=len(cells.lines)
    )
    preview.full_clean(exclude=["cells"])  # JSON by construction; checking it would encode it once more
    preview.save()
    return preview.token


def import_preview_take(*, user, kind: str, token: str) -> ImportPreview | None:
    """The user's preview under ``token``, removed from the database so that no
    other request applies it too; None when there is none (never stored,
    expired, applied or being applied). Expired previews are dropped."""
    ImportPreview.objects.filter(_expired()).delete()
    preview = ImportPreview.objects.filter(user=user, kind=kind, token=token).first()
    if preview is None:
        return None
    deleted, _counts = ImportPreview.objects.filter(pk=preview.pk).delete()
    return preview if deleted else None


def import_preview_put_back(*, preview: ImportPreview) -> None:
    """Keep a taken preview again, under its token and with its age (a run that applied nothing)."""
    preview.pk = None
    preview.save(force_insert=True)


class ExcelImportAdminMixin:
    excel_imports: tuple[ExcelImport, ...] = ()

    def _import_named(self, slug: str) -> ExcelImport:
        for spec in self.excel_imports:
            if spec.slug == slug:
                return spec
        raise Http404

    def _url_name(self, suffix: str) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_{suffix}"

    def get_urls(self):
        own = [
            path(
                "import/<slug:slug>/",
                self.admin_site.admin_view(self.excel_import_view),
                name=self._url_name("excel_import"),
            ),
            path(
                "import/<slug:slug>/template/",
                self.admin_site.admin_view(self.excel_template_view),
                name=self._url_name("excel_template"),
            ),
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        links = [
            (
                spec.title,
                reverse(f"admin:{self._url_name('excel_import')}", args=[spec.slug], current_app=self.admin_site.name),
            )
            for spec in self.excel_imports
            if self._may_import(request, spec)
        ]
        return super().changelist_view(request, {**(extra_context or {}), "excel_import_links": links})

    def _may_import(self, request, spec: ExcelImport) -> bool:
        # The admin's own view permission carries the user's reach (ReachAdminMixin): none, no import.
        return request.user.has_perm(spec.permission) and self.has_view_permission(request)

    def excel_template_view(self, request, slug):
        spec = self._import_named(slug)
        if not self._may_import(request, spec):
            raise PermissionDenied
        response = HttpResponse(template_workbook(spec.columns, title=str(spec.title), example=spec.example), XLSX)
        response["Content-Disposition"] = f'attachment; filename="mau-{spec.slug}.xlsx"'
        return response

    def excel_import_view(self, request, slug):
        spec = self._import_named(slug)
        if not self._may_import(request, spec):
            raise PermissionDenied
        report, preview, token, apply_error = None, False, None, None
        form = ImportForm()
        if request.method == "POST" and "token" in request.POST:
            report = self._apply(request, spec)
            if report is None:
                apply_error = _("The previewed file is no longer kept: upload it again.")
        elif request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    cells = read_cells(form.cleaned_data["file"], spec.columns)
                    report = self._dry_run(request, spec, cells)
                except SpreadsheetError as exc:
                    form.add_error("file", str(exc))
                else:
                    preview = True
                    token = import_preview_store(user=request.user, kind=self._preview_kind(spec), cells=cells)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": spec.title,
            "spec": spec,
            "form": form,
            "report": report,
            "preview": preview,
            "token": token,
            "apply_error": apply_error,
            "template_url": reverse(
                f"admin:{self._url_name('excel_template')}", args=[spec.slug], current_app=self.admin_site.name
            ),
        }
        return TemplateResponse(request, "admin/excel_import.html", context)

    def _preview_kind(self, spec: ExcelImport) -> str:
        return f"{self.model._meta.label_lower}:{spec.slug}"

    def _dry_run(self, request, spec: ExcelImport, cells: SheetCells) -> ImportReport:
        """What every row would do, applied in a transaction that is rolled back."""
        with transaction.atomic():
            report = spec.run(file=cells, by=request.user, apply_valid=True, preview=True, reach=reach_of(request.user))
            transaction.set_rollback(True)
        report.applied = False
        return report

    def _apply(self, request, spec: ExcelImport) -> ImportReport | None:
        form = ApplyForm(request.POST)
        if not form.is_valid():
            return None
        preview = import_preview_take(
            user=request.user, kind=self._preview_kind(spec), token=form.cleaned_data["token"]
        )
        if preview is None:
            return None
        apply_valid = form.cleaned_data["apply_valid"]
        report = spec.run(
            file=SheetCells.from_json(preview.cells),
            by=request.user,
            apply_valid=apply_valid,
            reach=reach_of(request.user),
        )
        if report.applied:
            messages.success(
                request,
                _("%(applied)d rows applied, %(errors)d rows with errors left out.")
                % {"applied": len(report.valid_rows), "errors": len(report.error_rows)},
            )
        else:
            import_preview_put_back(preview=preview)
            messages.error(
                request, _("Nothing was applied: %(errors)d rows have errors.") % {"errors": len(report.error_rows)}
            )
        return report
