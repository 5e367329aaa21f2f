"""Building blocks for admin actions that move rows along a state map through
a service: apply it to each selected row and report what was refused, or ask
for what the move needs (a reason, a decision) on an intermediate page first."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
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
    **options,
):
    """Show ``form_class`` for the selected rows; on a valid answer, run ``act``
    on each row with the cleaned data (see ``apply_each`` for ``options``)."""
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
        "action": request.POST.get("action"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/action_form.html", context)
