"""Offices' reach cannot be forgotten (DESIGN §10): a missing check is a failing test.

Every admin is scoped by ``core.admin_helpers.ReachAdminMixin`` or exempt here with
its reason; every model such an admin shows declares its path to a unit; every URL
of the site belongs to a scoped admin, an API view that says how it is scoped
(``reach_scope``), a page the matrix (``test_reach_matrix.py``) requests as another
office's staff, or an exemption with its reason. Adding an endpoint, a page or an
admin without scoping it fails here before it can leak.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.sites import AdminSite
from django.urls import URLPattern, URLResolver, get_resolver

from core.admin_helpers import ReachAdminMixin
from core.reach import REACH_SCOPES, is_reachable
from tests.emulation_config.test_reach_matrix import API_MATRIX, PAGE_MATRIX

# Admins that hold no office's data, each with the reason.
ADMIN_EXEMPT = {
    "collectors.Locality": "the country's administrative map, shared by every office",
    "enrollments.Parameter": "national reference values (base salary, poverty line, rates) in force everywhere",
    "campaigns.PublicHoliday": "the country's days off, the same for every office; changed only by national staff",
    "auth.User": "accounts are kept by superusers; staff roles only view them to pick a login",
    "auth.Group": "the role groups hold permissions, no office's data",
    "accounts.ApiToken": "API tokens: no role holds their permissions, superusers only",
    "accounts.PasswordState": "whether a login's password is initial: no role holds its permissions",
    "axes.AccessAttempt": "login lockouts: no role holds their permissions, superusers only",
    "axes.AccessFailureLog": "failed logins: no role holds their permissions, superusers only",
    "axes.AccessLog": "logins: no role holds their permissions, superusers only",
}

# The admin site's own views, with the reason each reaches no office's rows.
ADMIN_SITE_VIEWS = {
    "admin:index": "lists the models the user may view: a scoped admin refuses staff without a unit",
    "admin:app_list": "the same list, for one app",
    "admin:login": "logging in",
    "admin:logout": "logging out",
    "admin:password_change": "the user's own password",
    "admin:password_change_done": "the user's own password",
    "admin:jsi18n": "the admin's translations",
    "admin:autocomplete": "answers from the related model's admin, whose get_queryset is scoped",
    "admin:view_on_site": "a redirect to an object's own page: no model here has one",
    None: "the admin's catch-all, answering 404",
}

# URLs outside the admin that are neither scoped API views nor pages of one campaign, with the reason.
OTHER_EXEMPT = {
    "api:token": "exchanges the caller's own username and password for their token",
    "api:tokens": "the caller's own API tokens",
    "api:token-revoke": "revokes one of the caller's own API tokens",
    "schema": "the API's description, no data",
    "api-docs": "the API's browsable documentation, no data",
    "set_language": "the caller's own language choice",
    "accounts:password_change": "the caller's own password",
    "accounts:password_change_done": "the caller's own password",
    "pages:login": "logging in",
    "pages:logout": "logging out",
    "pages:home": "a redirect to the campaign list",
    "pages:campaigns": "the campaigns the user reaches (visible_campaigns; test_the_campaign_list_…)",
    "pages:notices": "the caller's own notices (tests/reports/test_notice_pages.py)",
    "pages:notices-read-all": "marks the caller's own notices read",
    "pages:notice-read": "marks one of the caller's own notices read; anyone else's is not found",
    "pages:notice-preferences": "the caller's own notice settings",
    "pages:appeals": "the appeals the caller filed or that concern them, staff's within reach (appeals_visible_to)",
    "pages:appeal-attachment": "an appeal's file among those the caller sees (appeals_visible_to; 404 otherwise)",
}


def _patterns(patterns=None, prefix: str = "", namespace: str | None = None):
    """Every URL of the site: (route, name with its namespaces, callback)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name, pattern.callback


def _owner(callback):
    """The ModelAdmin or AdminSite an admin URL's view belongs to."""
    if getattr(callback, "model_admin", None) is not None:
        return callback.model_admin
    seen = callback
    while seen is not None:
        if getattr(seen, "__self__", None) is not None:
            return seen.__self__
        seen = getattr(seen, "__wrapped__", None)
    return getattr(callback, "admin_site", None)


def _view_class(callback):
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def test_every_admin_is_scoped_to_the_users_offices_or_exempt_with_a_reason():
    unscoped = []
    for model, model_admin in admin.site._registry.items():
        admins = [model_admin, *(inline(model, admin.site) for inline in model_admin.inlines)]
        for each in admins:
            if not isinstance(each, ReachAdminMixin) and model._meta.label not in ADMIN_EXEMPT:
                unscoped.append(f"{model._meta.label}: {type(each).__name__}")
    assert unscoped == [], "use core.admin_helpers.ReachAdminMixin, or exempt it here with the reason"


def test_every_exemption_names_a_registered_admin():
    registered = {model._meta.label for model in admin.site._registry}
    assert set(ADMIN_EXEMPT) - registered == set()


def test_every_scoped_admin_shows_a_model_that_declares_its_unit():
    undeclared = []
    for model, model_admin in admin.site._registry.items():
        admins = [model_admin, *(inline(model, admin.site) for inline in model_admin.inlines)]
        for each in admins:
            if isinstance(each, ReachAdminMixin) and not is_reachable(each.model):
                undeclared.append(each.model._meta.label)
    assert undeclared == [], "declare the model's reach path (core.reach.register_reach_path)"


def test_every_admin_url_belongs_to_a_scoped_admin_or_is_the_sites_own():
    stray = []
    for route, name, callback in _patterns():
        if not route.startswith("admin/"):
            continue
        owner = _owner(callback)
        if isinstance(owner, AdminSite):
            if name not in ADMIN_SITE_VIEWS:
                stray.append(f"{route} ({name}): an admin site view nobody reviewed")
        elif isinstance(owner, admin.ModelAdmin):
            if not isinstance(owner, ReachAdminMixin) and owner.model._meta.label not in ADMIN_EXEMPT:
                stray.append(f"{route}: {type(owner).__name__} is not scoped")
        else:
            stray.append(f"{route}: a view of no admin")
    assert stray == []


def test_every_api_view_says_how_it_is_scoped():
    unscoped = []
    for route, name, callback in _patterns():
        if not route.startswith("api/") or name in OTHER_EXEMPT:
            continue
        view = _view_class(callback)
        scope = getattr(view, "reach_scope", None)
        if scope not in REACH_SCOPES:
            unscoped.append(f"{route} ({name}): reach_scope = {scope!r}")
    assert unscoped == [], f"give the view a reach_scope among {sorted(REACH_SCOPES)}, or exempt it with the reason"


def test_every_scoped_endpoint_is_tried_by_another_offices_staff():
    untried = []
    for route, name, callback in _patterns():
        scope = getattr(_view_class(callback), "reach_scope", None)
        if route.startswith("api/") and scope in ("reach", "own") and name not in API_MATRIX:
            untried.append(f"{route} ({name})")
    assert untried == [], "add the endpoint to API_MATRIX in test_reach_matrix.py"


def test_every_page_is_tried_by_another_offices_staff_or_exempt():
    untried = []
    for route, name, _callback in _patterns():
        if route.startswith(("admin/", "api/")) or name in OTHER_EXEMPT:
            continue
        if name not in PAGE_MATRIX:
            untried.append(f"{route} ({name})")
    assert untried == [], "add the page to PAGE_MATRIX in test_reach_matrix.py, or exempt it with the reason"


def test_the_matrix_tries_only_urls_that_exist():
    names = {name for _route, name, _callback in _patterns()}
    assert set(API_MATRIX) | set(PAGE_MATRIX) <= names
