"""Excel imports in the admin: an upload page per import, its template, a
preview and the row-by-row report.

A ModelAdmin lists its imports in ``excel_imports``; each gets a page at
``<changelist>/import/<slug>/`` and a template at ``…/import/<slug>/template/``.
An upload is first checked and previewed: every row is run in a transaction
that is rolled back, so the preview shows what each row would do, or what is
wrong with it. The file waits in the cache (shared by every web process when
Redis is configured) until the user applies it: all rows when none is wrong,
or, if they choose, the valid rows only. Each import needs the permission it names.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from core.spreadsheets import Column, ImportReport, SpreadsheetError, template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExcelImport:
    slug: str
    title: Any
    columns: list[Column]
    # run(file=…, by=…, apply_valid=…, preview=…): preview runs are rolled back, so
    # what they report must not be what only the real run gives (an initial password).
    run: Callable[..., ImportReport]
    permission: str
    example: list[Any] | None = None


# How long an uploaded file waits for the user to apply its preview.
PREVIEW_SECONDS = 3600


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class ApplyForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    apply_valid = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _preview_key(request, slug: str, token: str) -> str:
    return f"excel-import:{request.user.pk}:{slug}:{token}"


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
            if request.user.has_perm(spec.permission)
        ]
        return super().changelist_view(request, {**(extra_context or {}), "excel_import_links": links})

    def excel_template_view(self, request, slug):
        spec = self._import_named(slug)
        if not request.user.has_perm(spec.permission):
            raise PermissionDenied
        response = HttpResponse(template_workbook(spec.columns, title=str(spec.title), example=spec.example), XLSX)
        response["Content-Disposition"] = f'attachment; filename="mau-{spec.slug}.xlsx"'
        return response

    def excel_import_view(self, request, slug):
        spec = self._import_named(slug)
        if not request.user.has_perm(spec.permission):
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
                content = form.cleaned_data["file"].read()
                try:
                    report = self._dry_run(request, spec, content)
                except SpreadsheetError as exc:
                    form.add_error("file", str(exc))
                else:
                    preview, token = True, secrets.token_urlsafe(24)
                    cache.set(_preview_key(request, spec.slug, token), content, PREVIEW_SECONDS)
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

    def _dry_run(self, request, spec: ExcelImport, content: bytes) -> ImportReport:
        """What every row would do, applied in a transaction that is rolled back."""
        with transaction.atomic():
            report = spec.run(file=io.BytesIO(content), by=request.user, apply_valid=True, preview=True)
            transaction.set_rollback(True)
        report.applied = False
        return report

    def _apply(self, request, spec: ExcelImport) -> ImportReport | None:
        form = ApplyForm(request.POST)
        if not form.is_valid():
            return None
        key = _preview_key(request, spec.slug, form.cleaned_data["token"])
        content = cache.get(key)
        if content is None:
            return None
        apply_valid = form.cleaned_data["apply_valid"]
        report = spec.run(file=io.BytesIO(content), by=request.user, apply_valid=apply_valid)
        if report.applied:
            cache.delete(key)
            messages.success(
                request,
                _("%(applied)d rows applied, %(errors)d rows with errors left out.")
                % {"applied": len(report.valid_rows), "errors": len(report.error_rows)},
            )
        else:
            messages.error(
                request, _("Nothing was applied: %(errors)d rows have errors.") % {"errors": len(report.error_rows)}
            )
        return report
