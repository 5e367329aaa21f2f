"""The one error of the demo loader."""

from __future__ import annotations

from collections.abc import Iterable


class DemoError(Exception):
    """The demo cannot be loaded (e.g. the example campaign definition is missing or invalid)."""

    def __init__(self, message: str, errors: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)
