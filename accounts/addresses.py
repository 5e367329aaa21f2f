"""The client's address, the one rule every reader of it follows.

Behind ``TRUSTED_PROXIES`` proxies (DRF's ``NUM_PROXIES``), the client is the address
the outermost trusted proxy saw: the ``TRUSTED_PROXIES``-th entry from the right of
``X-Forwarded-For``, each proxy having appended the address it received from. With 0
(the default) the header is ignored and the connection's own address counts, so a
client cannot pick its address by sending the header. The API's throttles (DRF's
``get_ident``) and the login lockout (django-axes, ``AXES_CLIENT_IP_CALLABLE``) both
read it through here.
"""

from __future__ import annotations

import ipaddress

from rest_framework.throttling import BaseThrottle


def client_address(request) -> str | None:
    """The client's IP address, or None when the request has none (a request built in code).

    An entry of ``X-Forwarded-For`` that is not an IP address (a proxy count set higher
    than the proxies in front) is not trusted: the connection's address is used instead."""
    address = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return request.META.get("REMOTE_ADDR") or None
