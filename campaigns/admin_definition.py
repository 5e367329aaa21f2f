"""Campaign definition files in the admin: an upload page and a download action.

``campaigns/admin.py`` mixes this into the campaign admin::

    class CampaignAdmin(CampaignDefinitionAdminMixin, admin.ModelAdmin):
        actions = [..., "export_definition"]

The mixin adds ``<admin>/campaigns/campaign/import-definition/`` (needs the
``campaigns.add_campaign`` permission; replacing an existing campaign also
needs ``campaigns.change_campaign``; both stay within the offices the user
reaches), an "Import from YAML" button on the change list, and the
``export_definition`` action (on the campaigns the change list shows, which are
the user's offices'). The work is done by
``campaigns.definition``; this module only adapts it to the admin.
"""

from __future__ import annotations

import io
import zipfile

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.definition import DefinitionError, campaign_export, dump_definition, parse_definition
from campaigns.services import campaign_import_within
from core.reach import reach_of

MAX_DEFINITION_BYTES = 2 * 1024 * 1024
# What a replace swaps, for the admin history (verbose names, translated when shown).
REPLACED_FIELDS = ["phases", "teams", "clusters", "quotas", "plan targets", "indicators", "award rules"]


REFERENCE_DATA_PERMISSIONS = [
    f"collectors.{action}_{model}"
    for model in ("locality", "unit", "serviceorganization")
    for action in ("add", "change")
]


class CampaignDefinitionForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Definition file (YAML)"),
        help_text=gettext_lazy("A campaign definition in UTF-8, as described in docs/campaign-definition.md."),
    )
    replace = forms.BooleanField(
        label=gettext_lazy("Replace the campaign with the same code"),
        required=False,
        help_text=gettext_lazy("Only possible while the campaign has no enrollments."),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_DEFINITION_BYTES:
            raise ValidationError(
                gettext_lazy("The file is larger than %(size)d MB."),
                params={"size": MAX_DEFINITION_BYTES // (1024 * 1024)},
            )
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(gettext_lazy("The file is not UTF-8 text.")) from None


class CampaignDefinitionAdminMixin:
    """Import and export of campaign definition files for the campaign ModelAdmin."""

    change_list_template = "admin/campaigns/campaign/change_list.html"
    import_definition_template = "admin/campaigns/campaign/import_definition.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            # Before the ModelAdmin's own URLs: "<path:object_id>/" would match it too.
            path(
                "import-definition/",
                self.admin_site.admin_view(self.import_definition_view),
                name="{}_{}_import_definition".format(*info),
            ),
            *super().get_urls(),
        ]

    def import_definition_view(self, request: HttpRequest) -> HttpResponse:
        # A file also creates or updates the localities, units and organizations it names.
        if not self.has_add_permission(request) or not request.user.has_perms(REFERENCE_DATA_PERMISSIONS):
            raise PermissionDenied
        errors: list[str] = []
        form = CampaignDefinitionForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            replace = form.cleaned_data["replace"]
            if replace and not self.has_change_permission(request):
                form.add_error("replace", _("You do not have permission to change existing campaigns."))
            else:
                try:
                    definition = parse_definition(form.cleaned_data["file"])
                    replaced = replace and self._campaign_exists(definition)
                    # Within the user's reach: their offices' campaigns, units and organizations only.
                    campaign = campaign_import_within(
                        definition=definition, replace=replace, reach=reach_of(request.user)
                    )
                except DefinitionError as exc:
                    errors = exc.errors
                else:
                    if replaced:
                        self.log_change(request, campaign, [{"changed": {"fields": REPLACED_FIELDS}}])
                    else:
                        self.log_addition(request, campaign, [{"added": {}}])
                    self.message_user(
                        request,
                        _('The campaign "%(name)s" was imported from the definition file.') % {"name": campaign.name},
                        messages.SUCCESS,
                    )
                    return redirect(
                        reverse(
                            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change",
                            args=[campaign.pk],
                        )
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import a campaign from YAML"),
            "form": form,
            "definition_errors": errors,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, self.import_definition_template, context)

    def _campaign_exists(self, definition: dict) -> bool:
        spec = definition.get("campaign")
        code = spec.get("code") if isinstance(spec, dict) else None
        return code is not None and self.model._default_manager.filter(code=str(code)).exists()

    @admin.action(description=gettext_lazy("Download the definition file (YAML)"), permissions=["view"])
    def export_definition(self, request: HttpRequest, queryset) -> HttpResponse:
        campaigns = list(queryset.order_by("code"))
        if len(campaigns) == 1:
            campaign = campaigns[0]
            response = HttpResponse(
                dump_definition(campaign_export(campaign=campaign)), content_type="application/yaml; charset=utf-8"
            )
            response["Content-Disposition"] = content_disposition_header(True, f"{campaign.code}.yaml")
            return response
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for campaign in campaigns:
                archive.writestr(f"{campaign.code}.yaml", dump_definition(campaign_export(campaign=campaign)))
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, "campaign-definitions.zip")
        return response
