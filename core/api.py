"""The API's single error contract.

Every error answers ``{"message": …, "code": …, "errors": {field: [messages]}}``:
validation errors (DRF's and Django's) keep a message per field, nested the
way the request was; a refused transition (``core.errors.InvalidTransition``)
answers 409 with its message under the field it concerns; other errors carry
an empty ``errors``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import InvalidTransition


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with what is stored.")
    default_code = "conflict"

    def __init__(self, detail=None, *, errors=None):
        super().__init__(detail)
        self.errors = errors or {}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, InvalidTransition):
        exc = Conflict(str(exc), errors={exc.field: [str(exc)]})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        body = {"message": str(_("Invalid input.")), "code": "invalid", "errors": errors}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"message": str(detail), "code": code, "errors": getattr(exc, "errors", {})}
    response.data = body
    return response


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer, as the API's schema documents it (the "Error" component)."""

    message = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField()
