"""The API's single error contract.

Every error answers ``{"message": …, "code": …, "errors": {field: [messages]}}``:
validation errors (DRF's and Django's) keep a message per field, nested the
way the request was; a refused transition (``core.errors.InvalidTransition``)
answers 409 with its message under the field it concerns; a write the database
refused for contention (``core.errors.Busy``, or a deadlock or serialization
failure that reached the view) answers 503 with ``Retry-After``; any other
exception is logged and answers 500. Other errors carry an empty ``errors``.
Errors raised outside the API's views (an unknown URL, a failing middleware)
answer the same shape under /api/ (``core.error_views``).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.db import conflict_code
from core.errors import Busy, InvalidTransition

logger = logging.getLogger(__name__)

SERVER_ERROR = _("Something went wrong on the server; the error has been recorded.")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with what is stored.")
    default_code = "conflict"

    def __init__(self, detail=None, *, errors=None):
        super().__init__(detail)
        self.errors = errors or {}


class TooLarge(exceptions.APIException):
    """A request body over Django's limits (``DATA_UPLOAD_MAX_MEMORY_SIZE``), refused before any parser reads it."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request is too large.")
    default_code = "too_large"


class ServiceBusy(exceptions.APIException):
    """``core.errors.Busy`` as the API answers it: 503, to try again after ``Retry-After`` seconds."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "busy"


def error_body(message, code: str, errors: dict | None = None) -> dict:
    """The error contract's body."""
    return {"message": str(message), "code": code, "errors": errors or {}}


def throttled_message(wait: int) -> str:
    """DRF's throttling message, translated: DRF fills in the seconds before it looks
    the sentence up, so that no catalogue can match it."""
    then = ngettext("Expected available in {wait} second.", "Expected available in {wait} seconds.", wait)
    return f"{exceptions.Throttled.default_detail} {then.format(wait=wait)}"


def api_exception_handler(exc, context):
    if isinstance(exc, DatabaseError) and conflict_code(exc):
        exc = Busy()
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, InvalidTransition):
        exc = Conflict(str(exc), errors={exc.field: [str(exc)]})
    elif isinstance(exc, RequestDataTooBig):
        exc = TooLarge()
    elif isinstance(exc, TooManyFieldsSent):
        exc = exceptions.ParseError(_("The request has too many fields."))
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        exc.detail = exceptions.ErrorDetail(throttled_message(exc.wait), code=exc.default_code)
    retry_after = None
    if isinstance(exc, Busy):
        retry_after = exc.retry_after
        exc = ServiceBusy(str(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        # Not an error of the contract: a fault. Logged with its traceback, answered in the contract's shape.
        view = context.get("view")
        logger.exception("Unhandled error in %s", type(view).__name__ if view else "an API view", exc_info=exc)
        set_rollback()
        return Response(
            error_body(SERVER_ERROR, "server_error"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        body = {"message": str(_("Invalid input.")), "code": "invalid", "errors": errors}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = error_body(detail, code, getattr(exc, "errors", {}))
    response.data = body
    return response


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer, as the API's schema documents it (the "Error" component)."""

    message = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField()
