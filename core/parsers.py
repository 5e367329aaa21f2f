"""Bounds on what a request may carry: the size of an uploaded file, and the size
and nesting of an API request's body.

- ``UploadLimitHandler`` comes first in ``FILE_UPLOAD_HANDLERS``: a file's bytes
  beyond ``settings.UPLOAD_MAX_SIZE`` are read from the network and thrown away,
  never kept in memory or on disk, and the file arrives as an ``OversizedUpload``
  that knows its real size and holds nothing. The form or API field that gets it
  answers with ``upload_size_error``: the admin's Excel imports in their form,
  the API through ``BoundedMultiPartParser``, with a message under the field.
- ``BoundedJSONParser``, DRF's default JSON parser, refuses JSON nested deeper
  than ``settings.JSON_MAX_DEPTH`` (400, the message under ``non_field_errors``).
  The depth is measured on the text before parsing, so Python's parser never
  recurses deep enough to raise ``RecursionError``. (DRF reads the body through
  Django's ``request.body``, which holds it to ``DATA_UPLOAD_MAX_MEMORY_SIZE``.)
"""

from __future__ import annotations

import io
import re
from itertools import accumulate
from json import JSONDecodeError

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.settings import api_settings
from rest_framework.utils import json

# --- uploaded files -------------------------------------------------------------------


def upload_size_error(size: int, *, limit: int | None = None) -> str | None:
    """The message for a file of ``size`` bytes when it is over ``limit`` (default:
    the upload limit), else None."""
    limit = limit or settings.UPLOAD_MAX_SIZE
    if size <= limit:
        return None
    return _("The file is %(size)s; files up to %(limit)s are accepted.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


class OversizedUpload(UploadedFile):
    """A file that was over the upload limit: its name and real size, none of its bytes."""

    def __init__(self, *, name: str, size: int, content_type: str | None, charset: str | None):
        super().__init__(io.BytesIO(), name=name, content_type=content_type, size=size, charset=charset)


class UploadLimitHandler(FileUploadHandler):
    """Passes each file's bytes on to the next handlers up to the upload limit, then
    swallows the rest; a file over the limit becomes an ``OversizedUpload``."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        # A view that takes larger files (an enrollment import) raises the limit on its request first.
        self.limit = getattr(self.request, "upload_max_size", None) or settings.UPLOAD_MAX_SIZE

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            return None  # the next handlers never see it
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if file_size <= self.limit:
            return None  # the next handler gives the file
        return OversizedUpload(
            name=self.file_name, size=file_size, content_type=self.content_type, charset=self.charset
        )


# --- JSON bodies ----------------------------------------------------------------------

# A string (its closing quote optional, so that the scan never backtracks over an
# unterminated one) or a bracket; only brackets outside strings are captured.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|([\[\]{}])', re.DOTALL)
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (0 for a bare value), found in
    one pass without parsing; on text that is not JSON the answer is only a bound."""
    brackets = "".join(_TOKENS.findall(text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _too_deep() -> exceptions.ValidationError:
    message = _("The JSON is nested deeper than %(depth)d levels.") % {"depth": settings.JSON_MAX_DEPTH}
    return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [message]}, code="too_deep")


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing JSON nested deeper than ``settings.JSON_MAX_DEPTH``."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise exceptions.ParseError(
                _("The request body is not valid %(encoding)s text.") % {"encoding": encoding}
            ) from None
        if json_depth(text) > settings.JSON_MAX_DEPTH:
            raise _too_deep()
        parse_constant = json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise _too_deep() from None
        except JSONDecodeError as exc:
            raise exceptions.ParseError(
                _("The request body is not valid JSON (line %(line)d, column %(column)d).")
                % {"line": exc.lineno, "column": exc.colno}
            ) from None
        except ValueError:  # a constant JSON does not allow, such as NaN
            raise exceptions.ParseError(_("The request body is not valid JSON.")) from None


class BoundedMultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser; a file over the upload limit is refused under its field."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        errors = {
            field: [message for upload in uploads if (message := upload_size_error(upload.size))]
            for field, uploads in parsed.files.lists()
        }
        errors = {field: messages for field, messages in errors.items() if messages}
        if errors:
            raise exceptions.ValidationError(errors, code="too_large")
        return parsed
