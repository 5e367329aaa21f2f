"""Writes on notices: one per user and event, marked read, preferences, e-mail.

A notice is written with ``INSERT … ON CONFLICT DO NOTHING`` against the unique
(user, event) key: a task delivered twice, or an event heard twice, writes it
once, and only the write that made it queues its e-mail (after commit). The
e-mail task claims the notice by a conditional update before sending, so that
it is sent once even when two deliveries race.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reports.models import Notice, NoticeKind, NoticePreference
from reports.notices.selectors import notice_preferences, notices_of
from reports.notices.texts import notice_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewNotice:
    """A notice to write: who, what kind, which event, its details and link."""

    user_id: int
    kind: str
    event_key: str
    data: dict
    url: str = ""


def notices_create(*, notices: Iterable[NewNotice]) -> list[Notice]:
    """Write each notice unless its user was already told of its event; queue
    the e-mail of those written (after commit) that their users want. The
    users' preferences decide at writing: a kind turned off in the app is kept
    out of the list, one turned off by e-mail is not sent. Returns the notices
    written now."""
    notices = list(notices)
    if not notices:
        return []
    from django.contrib.auth import get_user_model

    from reports.tasks import send_notice_email  # the task module imports these services

    user_ids = {notice.user_id for notice in notices}
    addresses = dict(get_user_model().objects.filter(pk__in=user_ids, is_active=True).values_list("pk", "email"))
    wanted = {
        (user_id, kind): (in_app, email)
        for user_id, kind, in_app, email in NoticePreference.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "kind", "in_app", "email"
        )
    }
    rows = []
    for notice in notices:
        if notice.user_id not in addresses:
            continue  # a deactivated login is told nothing
        in_app, by_email = wanted.get((notice.user_id, notice.kind), (True, True))
        email = Notice.Email.NOT_WANTED
        if by_email:
            email = Notice.Email.PENDING if addresses[notice.user_id] else Notice.Email.NO_ADDRESS
        rows.append(
            Notice(
                user_id=notice.user_id,
                kind=notice.kind,
                event_key=notice.event_key,
                data=notice.data,
                url=notice.url,
                in_app=in_app,
                email=email,
            )
        )
    with transaction.atomic():
        before = _existing(rows)
        Notice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        keys = {(row.user_id, row.event_key) for row in rows} - before
        written = list(_by_keys(keys)) if keys else []
        for notice in written:
            if notice.email == Notice.Email.PENDING:
                transaction.on_commit(lambda pk=notice.pk: send_notice_email.delay(pk))
    return written


def _existing(rows: list[Notice]) -> set[tuple[int, str]]:
    return notices_told(keys={(row.user_id, row.event_key) for row in rows})


def notices_told(*, keys: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Of these (user id, event key) pairs, those a notice was written for already (one query)."""
    if not keys:
        return set()
    users, events = {user for user, _event in keys}, {event for _user, event in keys}
    found = Notice.objects.filter(user_id__in=users, event_key__in=events).values_list("user_id", "event_key")
    return set(found) & keys


def _by_keys(keys: set[tuple[int, str]]):
    events = {event for _user, event in keys}
    users = {user for user, _event in keys}
    found = Notice.objects.filter(user_id__in=users, event_key__in=events)
    pks = [pk for pk, user, event in found.values_list("pk", "user_id", "event_key") if (user, event) in keys]
    return Notice.objects.filter(pk__in=pks).order_by("pk")


def notice_mark_read(*, user, notice_id: int) -> Notice:
    """Mark one of ``user``'s notices read (``Notice.DoesNotExist`` for anyone else's)."""
    notice = notices_of(user).get(pk=notice_id)
    if notice.read_at is None:
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
        notice.refresh_from_db(fields=["read_at"])
    return notice


def notices_mark_all_read(*, user) -> int:
    """Mark every unread notice of ``user`` read; returns how many."""
    return notices_of(user).filter(read_at__isnull=True).update(read_at=timezone.now())


def notice_preferences_set(*, user, changes: dict[str, dict[str, bool]]) -> None:
    """Set what ``user`` wants to be told: ``{kind: {"in_app": bool, "email": bool}}``
    (either key may be left out: it keeps its value)."""
    errors = {}
    for kind, values in changes.items():
        if kind not in NoticeKind.values:
            errors[kind] = [_("Unknown kind of notice.")]
        elif not set(values) <= {"in_app", "email"}:
            errors[kind] = [_("Give in_app and email only.")]
    if errors:
        raise ValidationError(errors)
    current = {preference.kind: preference for preference in notice_preferences(user)}
    with transaction.atomic():
        for kind, values in changes.items():
            NoticePreference.objects.update_or_create(
                user=user,
                kind=kind,
                defaults={
                    "in_app": bool(values.get("in_app", current[kind].in_app)),
                    "email": bool(values.get("email", current[kind].email)),
                },
            )


# --- E-mail ---------------------------------------------------------------------------------


def notice_email_claim(*, notice_id: int) -> bool:
    """Take a pending e-mail for sending; False when another delivery has it or it went."""
    return bool(Notice.objects.filter(pk=notice_id, email=Notice.Email.PENDING).update(email=Notice.Email.SENDING))


def notice_email_send(*, notice_id: int) -> bool:
    """Send a notice's e-mail through Django's e-mail backend, once. Returns
    whether it was sent now. A failure puts the notice back to pending and
    raises, so that the task tries again."""
    if not notice_email_claim(notice_id=notice_id):
        return False
    notice = Notice.objects.select_related("user").get(pk=notice_id)
    # Notices go out in the site's language (Vietnamese), as the pages are by default.
    with translation.override(settings.LANGUAGE_CODE):
        text = notice_text(notice)
        body = text.body
        if notice.url and settings.SITE_URL:
            body += "\n\n" + settings.SITE_URL.rstrip("/") + notice.url
        subject = f"{_('Emulation campaigns')}: {text.title}"
    try:
        send_mail(subject, body, None, [notice.user.email], fail_silently=False)
    except Exception:
        Notice.objects.filter(pk=notice_id, email=Notice.Email.SENDING).update(email=Notice.Email.PENDING)
        raise
    Notice.objects.filter(pk=notice_id).update(email=Notice.Email.SENT, emailed_at=timezone.now())
    return True


def notice_email_failed(*, notice_id: int) -> None:
    """The e-mail could not be sent after every try."""
    Notice.objects.filter(pk=notice_id).exclude(email=Notice.Email.SENT).update(email=Notice.Email.FAILED)
    logger.warning("Notice %s: the e-mail could not be sent", notice_id)
