"""Building blocks for admin actions that move rows along a state map through
a service: apply it to each selected row and report what was refused, or ask
for what the move needs (a reason, a decision) on an intermediate page first.
``ObjectActionsAdminMixin`` also shows chosen actions as buttons on an object's
change page, where they run on that one object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def _items_updated(count: int) -> str:
    return ngettext("%(n)d item updated.", "%(n)d items updated.", count) % {"n": count}


def apply_each(
    modeladmin,
    request,
    queryset,
    act: Callable[[object], object],
    *,
    refused: tuple[type[Exception], ...],
    label: Callable[[object], str] = str,
    done: Callable[[int], str] = _items_updated,
) -> None:
    """Run ``act`` on each selected row; rows it refuses (``refused`` errors or a
    ValidationError) are reported one by one, the others counted."""
    count, lines = 0, []
    for obj in queryset.order_by("pk"):
        try:
            act(obj)
        except (*refused, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            lines.append(f"{label(obj)}: {message}")
        else:
            count += 1
    if count:
        modeladmin.message_user(request, done(count), messages.SUCCESS)
    for line in lines:
        modeladmin.message_user(request, line, messages.ERROR)


def ask_then_apply(
    modeladmin,
    request,
    queryset,
    form_class: type[forms.Form],
    title,
    act: Callable[[object, dict], object],
    *,
    notes: list[str] | None = None,
    **options,
):
    """Show ``form_class`` for the selected rows, with ``notes`` (warnings about
    what the move does); on a valid answer, run ``act`` on each row with the
    cleaned data (see ``apply_each`` for ``options``)."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        apply_each(modeladmin, request, queryset, lambda obj: act(obj, form.cleaned_data), **options)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "form": form,
        "notes": notes or [],
        "action": request.POST.get("action"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/action_form.html", context)


# --- the same actions as buttons on a change page ------------------------------------------


@dataclass(frozen=True)
class ObjectAction:
    """An admin action (by its name in ``actions``) shown as a button on the
    change page of the objects it ``applies`` to."""

    name: str
    label: Any
    applies: Callable[[Any], bool] = lambda obj: True


class ObjectActionsAdminMixin:
    """Buttons on an object's change page for the ``object_actions``: each posts
    to ``<object_id>/act/<name>/``, which runs the admin action itself on a
    queryset of that one object, so the action's permission, its intermediate
    page (which posts back to the same address) and its services all apply.
    The object comes from the admin's own (reach-scoped) queryset."""

    object_actions: tuple[ObjectAction, ...] = ()

    def _object_action_url_name(self) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_object_action"

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/act/<str:action>/",
                self.admin_site.admin_view(self.object_action_view),
                name=self._object_action_url_name(),
            )
        ]
        return own + super().get_urls()

    def _object_actions_for(self, request, obj) -> list[ObjectAction]:
        allowed = self.get_actions(request)  # only those the user has the permissions of
        return [spec for spec in self.object_actions if spec.name in allowed and spec.applies(obj)]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        buttons = []
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if obj is not None:
            for spec in self._object_actions_for(request, obj):
                url = reverse(
                    f"admin:{self._object_action_url_name()}",
                    args=[obj.pk, spec.name],
                    current_app=self.admin_site.name,
                )
                buttons.append((spec.label, url))
        extra_context = {**(extra_context or {}), "object_action_buttons": buttons}
        return super().change_view(request, object_id, form_url, extra_context)

    def object_action_view(self, request, object_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if action not in {spec.name for spec in self._object_actions_for(request, obj)}:
            raise PermissionDenied
        func = self.get_actions(request)[action][0]
        response = func(self, request, self.get_queryset(request).filter(pk=obj.pk))
        if response is not None:
            return response
        opts = self.model._meta
        change = f"admin:{opts.app_label}_{opts.model_name}_change"
        return HttpResponseRedirect(reverse(change, args=[obj.pk], current_app=self.admin_site.name))
