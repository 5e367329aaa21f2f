"""A URLconf with an admin site whose campaign admin uses the definition mixin,
as ``campaigns/admin.py`` does, so that the upload page and the export action
are tested on their own (``@pytest.mark.urls``)."""

from django.contrib import admin
from django.urls import path

from campaigns.admin_definition import CampaignDefinitionAdminMixin
from campaigns.models import Campaign


class CampaignAdmin(CampaignDefinitionAdminMixin, admin.ModelAdmin):
    actions = ["export_definition"]
    list_display = ["code", "name"]


site = admin.AdminSite(name="admin")
site.register(Campaign, CampaignAdmin)

urlpatterns = [path("admin/", site.urls)]
