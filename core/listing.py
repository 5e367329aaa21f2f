"""How every list of the API reads its query: pages, a page size within a maximum,
and filters that are either understood or refused.

- ``Pagination``: ``page`` (a whole number from 1) and ``page_size`` (from 1 to
  ``API_MAX_PAGE_SIZE``; default ``PAGE_SIZE``). A value that is not such a number is
  a field error (400), a page past the end not found (404).
- ``StrictFilterBackend``: django-filter's backend, which on a list also refuses a
  query parameter that nothing reads, and reports every unknown parameter and every
  bad filter value together, a message each, in one 400.
- ``query_errors``: the unknown parameters of a request, for views that read their
  query with a serializer.
"""

from __future__ import annotations

from collections.abc import Iterable

import django_filters
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination

UNKNOWN_PARAMETER = _("Unknown query parameter.")
BLANK_PARAMETER = _("Give a value, or leave the parameter out.")

# Parameters any GET may carry without being a filter: DRF's format override.
ALWAYS_ALLOWED = frozenset({"format"})


def query_errors(request, allowed: Iterable[str]) -> dict[str, list[str]]:
    """A message for each query parameter of ``request`` that is not in ``allowed``, and for
    each given without a value (``?receipt_to=``: a filter left empty is not a filter)."""
    known = ALWAYS_ALLOWED | set(allowed)
    errors = {}
    for name, values in request.query_params.lists():
        if name not in known:
            errors[name] = [str(UNKNOWN_PARAMETER)]
        elif any(value.strip() == "" for value in values):
            errors[name] = [str(BLANK_PARAMETER)]
    return errors


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or ``1``/``0``); anything else is an error, never "no filter"."""

    widget = forms.TextInput

    def to_python(self, value):
        text = str(value).strip().lower() if value is not None else ""
        if text == "":
            return None
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(_("Give true or false."), code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IntegerFilter(django_filters.NumberFilter):
    """A filter on an id: a whole number (django-filter's ``NumberFilter`` takes decimals too)."""

    field_class = forms.IntegerField


# The highest page a reader may ask for: far past the end of any list.
MAX_PAGE = 1_000_000


class Pagination(PageNumberPagination):
    """Pages of every list: ``page`` and ``page_size`` (at most ``API_MAX_PAGE_SIZE``)."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # read when asked, so that a test may change the setting
        return settings.API_MAX_PAGE_SIZE

    def page_errors(self, request) -> dict:
        """The field errors of ``page`` and ``page_size``, if any."""
        fields = {
            self.page_query_param: serializers.IntegerField(min_value=1, max_value=MAX_PAGE),
            self.page_size_query_param: serializers.IntegerField(min_value=1, max_value=self.max_page_size),
        }
        errors = {}
        for name, field in fields.items():
            if name in request.query_params:
                try:
                    field.run_validation(request.query_params[name])
                except exceptions.ValidationError as error:
                    errors[name] = error.detail
        return errors

    def paginate_queryset(self, queryset, request, view=None):
        errors = self.page_errors(request)
        if errors:
            raise exceptions.ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
                parameter["description"] = str(
                    _("Number of results per page (default %(default)s, at most %(max)s).")
                    % {"default": self.page_size, "max": self.max_page_size}
                )
        return parameters


def pagination_params(view) -> set[str]:
    paginator = getattr(view, "paginator", None)
    if paginator is None:
        return set()
    return {
        name
        for name in (
            getattr(paginator, "page_query_param", None),
            getattr(paginator, "page_size_query_param", None),
        )
        if name
    }


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, strict on lists: every unknown query parameter and every
    bad filter value (and a bad page or page size) is reported at once in one 400."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "detail", False) or request.method not in ("GET", "HEAD"):
            # An object's own URL and the writes: the filters only narrow what may be found.
            return super().filter_queryset(request, queryset, view)
        filterset = self.get_filterset(request, queryset, view)
        allowed = pagination_params(view)
        if filterset is not None:
            allowed |= set(filterset.form.fields)
        errors = query_errors(request, allowed)
        paginator = getattr(view, "paginator", None)
        if isinstance(paginator, Pagination):
            errors.update(paginator.page_errors(request))
        if filterset is not None and not filterset.is_valid():
            errors.update({name: list(messages) for name, messages in filterset.errors.items()})
        if errors:
            raise exceptions.ValidationError(errors)
        return filterset.qs if filterset is not None else queryset
