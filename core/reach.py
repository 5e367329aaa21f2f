"""Offices' reach (DESIGN §10): where a user may read and act, as machinery with no domain.

Role permissions say *what* a staff member may do; their reach says *where*:
a set of BHXH units (their own unit and every unit below it), everything, or
nothing. Every adapter — the admin, the API, the pages, the exports, the
imports, the services a user's action reaches — scopes its rows with the
functions of this module, so that the check lives in one place.

- ``Reach``: ``ALL``, ``NOTHING``, or ``Reach.units(ids)``.
- Each model that belongs to an office declares the path from its rows to the
  unit that owns them, with ``register_reach_path`` (from its app's selectors
  module) or a class attribute ``reach_path``: ``"campaign__organizer"``; a
  tuple of paths when any of several units makes a row reachable (an agent:
  its own unit, or its organization's contracting unit); ``"pk"`` for the unit
  model itself. ``unowned`` names a relation whose absence makes a row nobody's
  own (a person known only from the coverage history): every reach but
  ``NOTHING`` reaches such rows.
- ``reach_filter(queryset, reach)`` keeps the rows within reach,
  ``reach_allows(obj, reach)`` answers for one row, and ``require_reach`` raises
  ``OutOfReach`` (a ``PermissionDenied``) for a row out of reach.
- Who has which reach is decided by an app above (collectors, which knows the
  staff's units): it registers its function with ``register_user_reach``, and
  ``reach_of(user)`` asks it.

A model with no declared path cannot be scoped: ``reach_filter`` raises
``ImproperlyConfigured`` rather than let every row through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Reach:
    """Where a user reaches: every unit (``everything``), or the units listed (none: nothing)."""

    everything: bool = False
    unit_ids: frozenset[int] = frozenset()

    @classmethod
    def units(cls, unit_ids: Iterable[int]) -> Reach:
        return cls(unit_ids=frozenset(unit_ids))

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.unit_ids

    def allows_unit(self, unit_id: int | None) -> bool:
        return self.everything or (unit_id is not None and unit_id in self.unit_ids)

    def covers(self, other: Reach) -> bool:
        """Whether every unit ``other`` reaches is within this reach."""
        return self.everything or (not other.everything and other.unit_ids <= self.unit_ids)

    def __repr__(self) -> str:
        if self.everything:
            return "Reach(ALL)"
        return f"Reach(units={sorted(self.unit_ids)})"


ALL = Reach(everything=True)
NOTHING = Reach()


class OutOfReach(PermissionDenied):
    """A row outside the acting user's reach (a service's refusal)."""

    def __init__(self, message=None):
        super().__init__(message or _("This belongs to another office: it is outside the units you work for."))


# --- What each model's rows belong to ---------------------------------------------------------


@dataclass(frozen=True)
class ReachPath:
    """The paths from a model's rows to the unit owning them, and the relation whose absence makes a row nobody's."""

    paths: tuple[str, ...]
    unowned: str | None = None


_PATHS: dict[type[models.Model], ReachPath] = {}


def register_reach_path(model: type[models.Model], path: str | tuple[str, ...], *, unowned: str | None = None) -> None:
    """Declare the path (or paths) from ``model``'s rows to the unit that owns them."""
    paths = (path,) if isinstance(path, str) else tuple(path)
    if not paths:
        raise ImproperlyConfigured(f"{model._meta.label} needs at least one reach path.")
    _PATHS[model] = ReachPath(paths=paths, unowned=unowned)


def reach_path_of(model: type[models.Model]) -> ReachPath | None:
    """What ``model`` declared (its registration, else its ``reach_path`` attribute); None when nothing."""
    model = model._meta.concrete_model
    declared = _PATHS.get(model)
    if declared is not None:
        return declared
    attribute = getattr(model, "reach_path", None)
    if attribute is None:
        return None
    paths = (attribute,) if isinstance(attribute, str) else tuple(attribute)
    return ReachPath(paths=paths, unowned=getattr(model, "reach_unowned", None))


def is_reachable(model: type[models.Model]) -> bool:
    """Whether ``model``'s rows belong to offices (it declares a reach path)."""
    return reach_path_of(model) is not None


def _declared(model: type[models.Model]) -> ReachPath:
    declared = reach_path_of(model)
    if declared is None:
        raise ImproperlyConfigured(
            f"{model._meta.label} declares no reach path: its rows cannot be scoped to offices (core.reach)."
        )
    return declared


def _multivalued(model: type[models.Model], path: str) -> bool:
    """Whether following ``path`` from a row may lead to several rows (a reverse or many-to-many relation)."""
    if path == "pk":
        return False
    current = model
    for name in path.split("__"):
        try:
            field = current._meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise ImproperlyConfigured(f"Reach path {path!r} of {model._meta.label}: {exc}") from None
        if field.many_to_many or field.one_to_many:
            return True
        current = field.related_model
        if current is None:
            break
    return False


def reach_q(model: type[models.Model], reach: Reach) -> Q:
    """The condition on ``model``'s rows for being within ``reach`` (an empty Q for everything)."""
    if reach.everything:
        return Q()
    declared = _declared(model)
    if reach.nothing:
        return Q(pk__in=[])
    unit_ids = sorted(reach.unit_ids)
    condition = Q()
    for path in declared.paths:
        condition |= Q(**{f"{path}__in": unit_ids})
    multivalued = any(_multivalued(model, path) for path in declared.paths)
    if declared.unowned:
        condition |= Q(**{f"{declared.unowned}__isnull": True})
        multivalued = multivalued or _multivalued(model, declared.unowned)
    if multivalued:
        # Through a reverse relation a row would come once per related row: ask for the ids instead.
        return Q(pk__in=model._default_manager.filter(condition).values("pk"))
    return condition


def reach_filter(queryset: QuerySet, reach: Reach) -> QuerySet:
    """The rows of ``queryset`` within ``reach``."""
    if reach.everything:
        return queryset
    if reach.nothing:
        _declared(queryset.model)  # an undeclared model is an error whoever asks
        return queryset.none()
    return queryset.filter(reach_q(queryset.model, reach))


_MISSING = object()


def _unit_along(obj: models.Model, path: str) -> Any:
    """The unit id at the end of a single-valued ``path`` from ``obj`` (None when a link is empty),
    read from the objects already loaded where they are; _MISSING when the path cannot be walked."""
    if path == "pk":
        return obj.pk
    current: Any = obj
    names = path.split("__")
    for name in names[:-1]:
        current = getattr(current, name, None)
        if current is None:
            return None
    last = current._meta.get_field(names[-1])
    if not getattr(last, "many_to_one", False) and not getattr(last, "one_to_one", False):
        return _MISSING
    if getattr(last, "concrete", False):
        return getattr(current, last.attname)
    return _MISSING


def reach_allows(obj: models.Model, reach: Reach) -> bool:
    """Whether the row ``obj`` is within ``reach``. Single-valued paths are read
    from the object (and what it has loaded); others cost one query."""
    if reach.everything:
        return True
    declared = _declared(type(obj))
    if reach.nothing:
        return False
    walkable = declared.unowned is None and not any(_multivalued(type(obj), path) for path in declared.paths)
    if walkable:
        units = [_unit_along(obj, path) for path in declared.paths]
        if _MISSING not in units:
            return any(unit in reach.unit_ids for unit in units)
    if obj.pk is None:
        return False
    return type(obj)._default_manager.filter(pk=obj.pk).filter(reach_q(type(obj), reach)).exists()


def require_reach(obj: models.Model, reach: Reach | None) -> None:
    """Raise ``OutOfReach`` when ``obj`` is outside ``reach``; None checks nothing (no user acts)."""
    if reach is not None and not reach_allows(obj, reach):
        raise OutOfReach()


# --- Whose reach ---------------------------------------------------------------------------------

_user_reach: Callable[[Any], Reach] | None = None


def register_user_reach(resolver: Callable[[Any], Reach]) -> None:
    """Name the function that computes a user's reach (from an ``AppConfig.ready()``)."""
    global _user_reach
    _user_reach = resolver


def reach_of(user) -> Reach:
    """The reach of ``user`` (``NOTHING`` for an anonymous one), as the registered function computes it."""
    if _user_reach is None:
        raise ImproperlyConfigured("No app registered how a user's reach is computed (core.reach.register_user_reach).")
    if user is None or not getattr(user, "is_authenticated", False):
        return NOTHING
    return _user_reach(user)


def acting_reach(*, by=None, reach: Reach | None = None) -> Reach:
    """The reach a write runs within: the one given, else that of ``by``, the user
    acting; with neither (a command, a task acting for nobody), everything."""
    if reach is not None:
        return reach
    if by is not None:
        return reach_of(by)
    return ALL


# --- Declaring how an adapter is scoped -----------------------------------------------------------

# Every API view says how what it answers is scoped, in its ``reach_scope`` attribute; a
# test walks the URLs and fails on a view that says nothing (tests/emulation_config/test_reach_guard.py).
REACH_SCOPES = {
    "reach": "staff read and act within their reach; agents and organization managers by their own rules",
    "own": "the caller's own data only (an agent's progress, the caller's own jobs)",
    "public": "no stored data of any office (a contribution quote)",
}
