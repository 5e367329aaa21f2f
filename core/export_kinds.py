"""The registry of export kinds: what each kind of export job takes, who may ask
for it and the writer it calls.

Core knows no kind. Each app registers the kinds of its own data from its
``AppConfig.ready()``; ``ExportJob.kind`` takes its choices from here, so a job
of a kind nobody registered does not validate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any, Protocol

from django.core.exceptions import ImproperlyConfigured

# The length of ``ExportJob.kind``.
KIND_MAX_LENGTH = 12


class ExportParams(Protocol):
    """The parameters of a job, validated. A Django form has all of this; ``stored()``
    gives the JSON kept in ``ExportJob.params``, which is validated again when the job runs."""

    fields: Iterable[str]
    errors: dict

    def is_valid(self) -> bool: ...

    def stored(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ExportKind:
    """One kind of export job.

    - ``name``: what ``ExportJob.kind`` stores, ``label`` what people read;
    - ``params``: builds the parameters from a dict (a form class does);
    - ``check(user, params)`` raises PermissionDenied for a requester with no right to it;
    - ``full_access``: the permission by which staff read anybody's job of this kind;
    - ``write(output, params, user)`` writes the workbook into ``output`` and returns its rows;
    - ``filename(params)``: the workbook's file name, chosen when the job is asked for;
    - ``params_help``: the parameters, as the API's documentation lists them.
    """

    name: str
    label: Any
    params: Callable[[dict[str, Any]], ExportParams]
    check: Callable[[Any, Any], None]
    full_access: str
    write: Callable[[IO[bytes], Any, Any], int]
    filename: Callable[[Any], str]
    params_help: str = ""


_KINDS: dict[str, ExportKind] = {}


def register_export_kind(kind: ExportKind) -> ExportKind:
    """Add ``kind`` to the registry (from an ``AppConfig.ready()``); a name is registered once."""
    if len(kind.name) > KIND_MAX_LENGTH:
        raise ImproperlyConfigured(f"The export kind name {kind.name!r} is longer than {KIND_MAX_LENGTH} characters.")
    registered = _KINDS.get(kind.name)
    if registered is not None and registered is not kind:
        raise ImproperlyConfigured(f"The export kind {kind.name!r} is registered twice.")
    _KINDS[kind.name] = kind
    return kind


def export_kind(name: str) -> ExportKind:
    """The registered kind ``name``; LookupError if there is none."""
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"No export kind {name!r} is registered.") from None


def export_kinds() -> list[ExportKind]:
    """Every registered kind, in the order of registration."""
    return list(_KINDS.values())


def export_kind_choices() -> list[tuple[str, Any]]:
    """The choices of ``ExportJob.kind``: the registered kinds."""
    return [(kind.name, kind.label) for kind in _KINDS.values()]
