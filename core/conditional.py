"""Conditional GET: an ETag on live answers, and 304 Not Modified when it has not changed.

A reader that polls (a page refreshing its leaderboard, a TV board, a field app
reading its progress) sends back the ETag it last received in ``If-None-Match``
and gets an empty ``304`` while the answer is the same. The ETag is strong: a
keyed hash (``SECRET_KEY``) of the rendered body and of who asked, so that

- an ETag tells nothing about the body to someone who cannot read it (it
  cannot be recomputed from a guessed body), and one user's ETag never
  validates another user's answer, even when both read the same figures;
- it is computed after the view has checked who may read what: a refused
  request is refused whatever ``If-None-Match`` says.

Answers carry ``Vary: Authorization, Cookie, Accept-Language`` and
``Cache-Control: private, no-cache``: a shared cache never serves one user's
answer (or its 304) to another, and a browser asks again each time.

Header parsing and the 304 itself are Django's (``django.utils.cache``).
"""

from __future__ import annotations

from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import quote_etag

VARY = ("Authorization", "Cookie", "Accept-Language")
SAFE_METHODS = ("GET", "HEAD")
_SALT = "core.conditional.etag"


def viewer_key(request) -> str:
    """Who asks, as the ETag includes it: the user's id, or nobody."""
    user = getattr(request, "user", None)
    return str(user.pk) if user is not None and user.is_authenticated else "-"


def etag_for(request, content: bytes | str) -> str:
    """The strong ETag (quoted) of ``content`` as answered to ``request``'s user."""
    digest = salted_hmac(_SALT, force_bytes(viewer_key(request)) + b"\0" + force_bytes(content), algorithm="sha256")
    return quote_etag(digest.hexdigest()[:40])


def conditional(request, response: HttpResponseBase) -> HttpResponseBase:
    """Mark ``response`` as varying with the reader and, for a 200 answer to GET
    or HEAD, give it its ETag and answer 304 when ``If-None-Match`` names it."""
    patch_vary_headers(response, VARY)
    if request.method not in SAFE_METHODS or response.status_code != 200 or response.streaming:
        return response
    if not getattr(response, "is_rendered", True):
        response.render()  # a DRF or template response: its body is what the ETag is of
    response["ETag"] = etag_for(request, response.content)
    patch_cache_control(response, private=True, no_cache=True)
    return get_conditional_response(request, etag=response["ETag"], response=response)


class ConditionalGetMixin:
    """A DRF view whose 200 answers to GET and HEAD are conditional (``conditional``):
    every action, or only the viewset actions named in ``conditional_actions``."""

    conditional_actions: frozenset[str] | None = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.conditional_actions is None or getattr(self, "action", None) in self.conditional_actions:
            return conditional(request, response)
        return response
