"""Domain errors shared by every app's services.

A service raises these; each adapter maps them once: the API's exception
handler (``core.api``) answers 409 (a refused transition) or 503 (busy), the
admin's action helpers show a message.
"""

from django.utils.translation import gettext_lazy as _


class InvalidTransition(Exception):
    """A status change that the workflow's map of allowed transitions refuses.

    ``field`` names what the refusal is about, for the API's per-field errors.
    """

    def __init__(self, message, *, field: str = "status"):
        super().__init__(message)
        self.field = field


class Busy(Exception):
    """The database refused a write for contention (a deadlock or a
    serialization failure) and retrying did not get past it. Nothing was
    written; the same request may be sent again shortly.

    The API answers 503 with ``Retry-After: retry_after`` (seconds).
    """

    def __init__(self, message=None, *, retry_after: int = 1):
        super().__init__(message or _("The server is busy with other changes to the same records; try again shortly."))
        self.retry_after = retry_after
