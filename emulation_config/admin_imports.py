"""Excel imports in the admin: an upload page per import, its template, and the
row-by-row report.

A ModelAdmin lists its imports in ``excel_imports``; each gets a page at
``<changelist>/import/<slug>/`` and a template at ``…/import/<slug>/template/``.
Nothing is applied when any row is wrong unless the user ticks "apply the valid
rows". Each import needs the permission it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from emulation_config.spreadsheets import Column, ImportReport, SpreadsheetError, template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExcelImport:
    slug: str
    title: Any
    columns: list[Column]
    run: Callable[..., ImportReport]  # run(file=…, by=…, apply_valid=…)
    permission: str
    example: list[Any] | None = None


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    apply_valid = forms.BooleanField(
        label=_("Apply the valid rows even if other rows are wrong"), required=False, initial=False
    )


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
        report = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                report = spec.run(
                    file=form.cleaned_data["file"], by=request.user, apply_valid=form.cleaned_data["apply_valid"]
                )
            except SpreadsheetError as exc:
                form.add_error("file", str(exc))
            else:
                if report.applied:
                    messages.success(
                        request,
                        _("%(applied)d rows applied, %(errors)d rows with errors left out.")
                        % {"applied": len(report.valid_rows), "errors": len(report.error_rows)},
                    )
                else:
                    messages.error(
                        request,
                        _("Nothing was applied: %(errors)d rows have errors.") % {"errors": len(report.error_rows)},
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": spec.title,
            "spec": spec,
            "form": form,
            "report": report,
            "template_url": reverse(
                f"admin:{self._url_name('excel_template')}", args=[spec.slug], current_app=self.admin_site.name
            ),
        }
        return TemplateResponse(request, "admin/excel_import.html", context)
