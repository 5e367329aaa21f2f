"""Pages that update themselves: a page embeds a fragment (the part of it that
changes with the standings) and ``static/js/live.js`` asks the fragment's URL
again every few seconds with ``If-None-Match``, replacing the parts that came
back when the answer changed (``core.conditional``: 304 while it has not).

The page and its fragment render the same template from the same context, read
by the same view code from the same selectors: they cannot show different
figures, and the ETag the page embeds is the fragment's own, so that the first
poll of an unchanged board is already a 304.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from core.conditional import conditional, etag_for

# How often a page asks whether its fragment changed, in seconds (``?refresh=``).
REFRESH = 15
REFRESH_BOUNDS = (1, 3600)


def int_param(request: HttpRequest, name: str, *, default: int, bounds: tuple[int, int]) -> int:
    """A whole number from the query string, brought within ``bounds``; ``default``
    when missing or not a number (a page never refuses a bad display option)."""
    value = request.GET.get(name, "")
    if not value.isdecimal() or len(value) > 6:
        return default
    low, high = bounds
    return min(max(int(value), low), high)


@dataclass(frozen=True)
class Live:
    """What a live page tells ``live.js``: where its fragment is, how often to
    ask for it, and the ETag of the fragment the page was rendered with."""

    url: str
    interval: int
    etag: str


def live(request: HttpRequest, *, url: str, template: str, context: dict) -> Live:
    html = render_to_string(template, context, request)
    interval = int_param(request, "refresh", default=REFRESH, bounds=REFRESH_BOUNDS)
    return Live(url=url, interval=interval, etag=etag_for(request, html))


def fragment(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """The fragment of a live page, conditional: 304 while it has not changed."""
    return conditional(request, render(request, template, context))
