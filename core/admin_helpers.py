"""Building blocks shared by the apps' admins.

Three concerns recur on the admin pages: keep every page within the offices
the user reaches (``ReachAdminMixin``, DESIGN §10), show times the way an
office reads them (dd/mm/yyyy HH:MM in the local time zone), and keep every
page at a fixed number of queries however many rows, inline forms or filter
choices it shows.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.admin.widgets import AutocompleteMixin, AutocompleteSelect
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.reach import Reach, is_reachable, reach_allows, reach_filter, reach_of

# Sentinel for "no campaign to limit choices to" (a stand-alone add page),
# as opposed to None, "a campaign that does not exist yet" (the campaign add page).
UNSCOPED = object()


def local_datetime(value: datetime | None) -> str | None:
    """A stored (UTC) datetime as dd/mm/yyyy HH:MM in the active time zone.

    The active zone is settings.TIME_ZONE (Asia/Ho_Chi_Minh), the same zone the
    admin's date and time inputs use, so a list column and the form it links to agree.
    """
    if value is None:
        return None  # the admin shows its empty-value placeholder
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


# --- Offices' reach ------------------------------------------------------------------------


class ReachRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A filter on a related model whose rows belong to offices: its choices are
    the rows the user reaches (the stock filter lists every row)."""

    def choices_queryset(self, field, request):
        return reach_filter(field.related_model._default_manager.all(), reach_of(request.user))

    def field_choices(self, field, request, model_admin):
        queryset = self.choices_queryset(field, request)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]


_WHOLE = {"class": "vIntegerField", "inputmode": "numeric"}
_DECIMAL = {"class": "vIntegerField", "inputmode": "decimal"}


class ReachAdminMixin:
    """For a ModelAdmin or an inline whose model belongs to offices (it declares a
    reach path, ``core.reach``): everything it shows and lets the user choose is
    within the user's reach.

    - the rows listed, opened, changed, deleted or acted on (``get_queryset``: a
      row out of reach is not found, and an action never sees it);
    - the choices of its foreign keys and many-to-many fields to such models
      (select lists, autocompletes: those answer from the related admin's
      ``get_queryset``), and of its list filters;
    - a user who reaches nothing (staff without a unit) is refused every page.

    Role permissions still say what the user may do; the reach says where.
    """

    # False for an admin that shows some rows whoever asks (a user's own export jobs).
    reach_needs_a_unit = True
    # Numbers typed and shown as people write them (3.000.000; 0,5 in Vietnamese): a text
    # input, since a browser's number input takes neither grouping nor a decimal comma.
    formfield_overrides = {
        models.IntegerField: {"localize": True, "widget": forms.TextInput(attrs=_WHOLE)},
        models.BigIntegerField: {"localize": True, "widget": forms.TextInput(attrs=_WHOLE)},
        models.DecimalField: {"localize": True, "widget": forms.TextInput(attrs=_DECIMAL)},
    }

    def request_reach(self, request) -> Reach:
        return reach_of(request.user)

    def reach_queryset(self, request, queryset):
        """``queryset`` limited to what ``request``'s user reaches."""
        return reach_filter(queryset, self.request_reach(request))

    def get_queryset(self, request):
        return self.reach_queryset(request, super().get_queryset(request))

    def _reaches_any(self, request) -> bool:
        return not (self.reach_needs_a_unit and self.request_reach(request).nothing)

    def reaches_object(self, request, obj) -> bool:
        """Whether the user reaches ``obj`` (an inline's parent object is checked by the parent's admin)."""
        if obj is None or not isinstance(obj, self.model):
            return True
        if obj.pk is None:
            return reach_allows(obj, self.request_reach(request))
        known = request.__dict__.setdefault("_reach_checked", {})
        key = (obj._meta.label, obj.pk)
        if key not in known:
            known[key] = reach_allows(obj, self.request_reach(request))
        return known[key]

    def has_view_permission(self, request, obj=None):
        return (
            self._reaches_any(request)
            and super().has_view_permission(request, obj)
            and self.reaches_object(request, obj)
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return self._reaches_any(request) and allowed and self.reaches_object(request, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return self._reaches_any(request) and allowed and self.reaches_object(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        return self._reaches_any(request) and super().has_add_permission(request, *args, **kwargs)

    def _reach_choices(self, db_field, request, kwargs) -> None:
        related = db_field.remote_field.model
        if not is_reachable(related):
            return
        queryset = kwargs.get("queryset")
        if queryset is None:
            queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)
        if queryset is None:
            queryset = related._default_manager.using(kwargs.get("using")).all()
        kwargs["queryset"] = reach_filter(queryset, self.request_reach(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._reach_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._reach_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        return [self._reach_list_filter(entry) for entry in super().get_list_filter(request)]

    def _reach_list_filter(self, entry):
        if not isinstance(entry, str):
            return entry  # a filter class of its own (e.g. PhaseListFilter, which scopes its choices)
        try:
            field = get_fields_from_path(self.model, entry)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return entry
        if field.is_relation and field.related_model is not None and is_reachable(field.related_model):
            return (entry, ReachRelatedFieldListFilter)
        return entry


class PhaseListFilter(ReachRelatedFieldListFilter):
    """A filter on a phase, labelled "campaign code · phase name", among the phases the user reaches.

    The stock filter calls ``str(phase)`` on each choice, which reads the phase's
    campaign: one query per phase. Here the campaigns come with the phases.
    """

    def field_choices(self, field, request, model_admin):
        phases = self.choices_queryset(field, request).select_related("campaign")
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            phases = phases.order_by(*ordering)
        return [(phase.pk, str(phase)) for phase in phases]


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that renders its selected option from the related object
    the form's instance already holds (loaded with ``select_related``).

    The stock widget looks the selected object up again for every form it
    renders: one query per inline row. ``PreloadedAutocompleteForm`` hands the
    widget the object; when the value shown is that object, no query is made.
    """

    preloaded = None

    def optgroups(self, name, value, attr=None):
        obj = self.preloaded
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if obj is None or selected != [str(obj.pk)]:
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        label = self.choices.field.label_from_instance(obj)
        options.append(self.create_option(name, obj.pk, label, True, len(options)))
        return [(None, options, 0)]


class PreloadedAutocompleteForm(forms.ModelForm):
    """Hands each ``PreloadedAutocompleteSelect`` the related object its instance holds."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # unwrap the admin's add/change links
            if not isinstance(widget, PreloadedAutocompleteSelect):
                continue
            model_field = self._meta.model._meta.get_field(name)
            if model_field.is_cached(self.instance):
                widget.preloaded = model_field.get_cached_value(self.instance)


class FixedQueryAdminMixin:
    """For a ModelAdmin or an inline: choices and selected autocomplete options
    that cost a fixed number of queries per page, not one per form.

    ``campaign_scoped_fields`` names foreign keys and many-to-many fields that point
    at rows of one campaign (phases, clusters, teams). Their choices are limited to
    the campaign that ``scope_campaign_id(obj)`` names: on the campaign add page
    there are none yet, and a stand-alone add page, where the campaign is not known,
    offers them all.
    """

    form = PreloadedAutocompleteForm
    campaign_scoped_fields: tuple[str, ...] = ()

    def scope_campaign_id(self, obj):
        """The id of the campaign whose rows may be chosen, None for a campaign
        not saved yet, or UNSCOPED. ``obj`` is the page's object, for an inline
        its parent; it is None on an add page."""
        return UNSCOPED

    def _scoped_callback(self, request, obj):
        return partial(self.formfield_for_dbfield, request=request, campaign_id=self.scope_campaign_id(obj))

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs.setdefault("formfield_callback", self._scoped_callback(request, obj))
        return super().get_form(request, obj, change=change, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("formfield_callback", self._scoped_callback(request, obj))
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PreloadedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, campaign_id=UNSCOPED, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if not isinstance(formfield, forms.ModelChoiceField):
            return formfield
        if db_field.name in self.campaign_scoped_fields:
            queryset = formfield.queryset.select_related("campaign")
            if campaign_id is None:
                queryset = queryset.none()
            elif campaign_id is not UNSCOPED:
                queryset = queryset.filter(campaign_id=campaign_id)
            formfield.queryset = queryset
        widget = getattr(formfield.widget, "widget", formfield.widget)
        if not isinstance(widget, AutocompleteMixin) and db_field.name not in self.raw_id_fields:
            # Evaluate the choices once for the form class; every form (inline row)
            # copies the list instead of running the query again.
            formfield.choices = list(formfield.choices)
        return formfield


class ReadOnlyAdminMixin:
    """Rows written by services, never by hand: everyone with the view permission
    may read them, nobody may add, change or delete one in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(ReachAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """A status-change history: who changed what, when and why, recorded by the
    services that change a status; within the user's reach, like what it is the history of."""

    @admin.display(description=_("at"), ordering="at")
    def at_display(self, obj):
        return local_datetime(obj.at)


class ReadOnlyHistoryInline(ReachAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    """The status-change history of the page's object, read-only."""

    extra = 0
    can_delete = False
    fields = ["from_status", "to_status", "at", "by", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")
