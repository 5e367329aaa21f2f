"""Reads of notices: a user's own, never anyone else's."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from reports.models import Notice, NoticeKind, NoticePreference


def notices_of(user) -> QuerySet[Notice]:
    """The notices shown to ``user`` in the app, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notice.objects.none()
    return Notice.objects.filter(user=user, in_app=True).order_by("-created_at", "-pk")


def unread_count(user) -> int:
    """How many of ``user``'s notices are unread: the bell's figure."""
    return notices_of(user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class Preference:
    kind: str
    in_app: bool
    email: bool

    @property
    def label(self) -> str:
        return str(NoticeKind(self.kind).label)


def notice_preferences(user) -> list[Preference]:
    """What ``user`` wants to be told, per kind, in the kinds' order (on by default)."""
    stored = {
        kind: (in_app, email)
        for kind, in_app, email in NoticePreference.objects.filter(user=user).values_list("kind", "in_app", "email")
    }
    return [Preference(kind, *stored.get(kind, (True, True))) for kind in NoticeKind.values]
