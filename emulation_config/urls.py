from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Emulation campaigns — Vietnam Social Security")
admin.site.site_title = _("Emulation campaigns")
admin.site.index_title = _("Campaign administration")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
