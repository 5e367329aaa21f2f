"""Domain errors shared by every app's services.

A service raises these; each adapter maps them once: the API's exception
handler (``core.api``) answers 409, the admin's action helpers show a message.
"""


class InvalidTransition(Exception):
    """A status change that the workflow's map of allowed transitions refuses.

    ``field`` names what the refusal is about, for the API's per-field errors.
    """

    def __init__(self, message, *, field: str = "status"):
        super().__init__(message)
        self.field = field
