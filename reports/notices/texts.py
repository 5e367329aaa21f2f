"""What a notice says: a title and a sentence, rendered from its kind and data
in the language active when it is read (the pages', the API caller's, or the
site's for e-mail), numbers and times in that language's format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from enrollments.choices import Product
from reports.models import Notice, NoticeKind


@dataclass(frozen=True)
class NoticeText:
    title: str
    body: str


def _number(value) -> str:
    return number_format(value, force_grouping=True)


def _moment(value: str | None, zone: str | None) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    local = timezone.localtime(moment, ZoneInfo(zone)) if zone else timezone.localtime(moment)
    return date_format(local, "DATETIME_FORMAT")


def _day(value: str | None) -> str:
    return date_format(datetime.fromisoformat(value).date(), "DATE_FORMAT") if value else ""


def _product(code: str | None) -> str:
    if not code:
        return _("every product")
    try:
        return str(Product(code).label)
    except ValueError:
        return code


def _enrollment(data: dict, title: str, sentence: str) -> NoticeText:
    body = sentence % {
        "receipt": data.get("receipt_no") or "—",
        "participant": data.get("participant", ""),
        "product": _product(data.get("product")),
        "campaign": data.get("campaign", ""),
    }
    return NoticeText(title, body + " " + _("Reason: %(reason)s") % {"reason": data.get("reason", "")})


def _rejected(data: dict) -> NoticeText:
    return _enrollment(
        data,
        _("Enrollment rejected"),
        _("The enrollment of %(participant)s (%(product)s, receipt %(receipt)s) in %(campaign)s was rejected."),
    )


def _cancelled(data: dict) -> NoticeText:
    return _enrollment(
        data,
        _("Enrollment cancelled"),
        _("The enrollment of %(participant)s (%(product)s, receipt %(receipt)s) in %(campaign)s was cancelled."),
    )


def _quota(data: dict) -> NoticeText:
    body = _(
        "You reached the quota of %(minimum)s new participants (%(product)s) in %(phase)s of %(campaign)s: "
        "%(counted)s count so far."
    ) % {
        "minimum": _number(data.get("minimum", 0)),
        "counted": _number(data.get("counted", 0)),
        "product": _product(data.get("product")),
        "phase": data.get("phase", ""),
        "campaign": data.get("campaign", ""),
    }
    return NoticeText(_("Quota reached"), body)


def _board(data: dict) -> dict:
    board = data.get("rule", "")
    if data.get("cluster"):
        board = f"{board} · {data['cluster']}"
    return {
        "board": board,
        "phase": data.get("phase", ""),
        "campaign": data.get("campaign", ""),
        "rank": _number(data["rank"]) if data.get("rank") else "—",
        "places": _number(data.get("places") or 0),
    }


def _prize_entered(data: dict) -> NoticeText:
    body = _(
        "You are now in the prize places of %(board)s, %(phase)s of %(campaign)s: provisional rank %(rank)s."
    ) % _board(data)
    return NoticeText(_("In the prize places"), body)


def _prize_left(data: dict) -> NoticeText:
    body = _(
        "You are no longer in the prize places of %(board)s, %(phase)s of %(campaign)s: provisional rank %(rank)s."
    ) % _board(data)
    return NoticeText(_("Out of the prize places"), body)


def _closing(data: dict) -> NoticeText:
    zone = data.get("time_zone")
    body = _(
        "%(phase)s of %(campaign)s ends at %(cutoff)s: receipts after it do not count in this phase. "
        "Submissions are accepted until %(deadline)s."
    ) % {
        "phase": data.get("phase", ""),
        "campaign": data.get("campaign", ""),
        "cutoff": _moment(data.get("cutoff"), zone),
        "deadline": _moment(data.get("deadline"), zone),
    }
    return NoticeText(_("Phase ends within 24 hours"), body)


def _award(data: dict) -> NoticeText:
    body = _(
        "Your award %(tier)s in %(phase)s of %(campaign)s is approved by decision %(decision)s of %(date)s: "
        "%(amount)s VND."
    ) % {
        "tier": data.get("tier", ""),
        "phase": data.get("phase", ""),
        "campaign": data.get("campaign", ""),
        "decision": data.get("decision_number", ""),
        "date": _day(data.get("decision_date")),
        "amount": _number(data.get("amount") or 0),
    }
    return NoticeText(_("Award approved"), body)


_RENDER = {
    NoticeKind.ENROLLMENT_REJECTED: _rejected,
    NoticeKind.ENROLLMENT_CANCELLED: _cancelled,
    NoticeKind.QUOTA_REACHED: _quota,
    NoticeKind.PRIZE_ENTERED: _prize_entered,
    NoticeKind.PRIZE_LEFT: _prize_left,
    NoticeKind.PHASE_CLOSING: _closing,
    NoticeKind.AWARD_APPROVED: _award,
}


def notice_text(notice: Notice) -> NoticeText:
    """The notice's title and sentence in the active language."""
    return _RENDER[NoticeKind(notice.kind)](notice.data or {})
