"""Moving a record along its state map, with a history row per move (ARCHITECTURE: State
machines). Each workflow keeps its own map and its own words; the move itself is written once."""

from __future__ import annotations

from core.errors import InvalidTransition


def status_move(
    record, to_status: str, *, moves: dict, history, refusal: str, by=None, reason: str = "", reference: str = ""
):
    """Move ``record`` (a model with ``status``, ``status_reason`` and a ``Status`` choice
    class) to ``to_status`` when ``moves[record.status]`` allows it, and write a ``history``
    row (a model whose foreign key to the record is named after the record's model) with
    who, why and a reference. ``refusal`` (with ``%(status)s`` and ``%(to)s``) is the
    ``InvalidTransition`` raised otherwise."""
    if to_status not in moves[record.status]:
        labels = type(record).Status
        raise InvalidTransition(refusal % {"status": record.get_status_display(), "to": labels(to_status).label})
    previous = record.status
    record.status = to_status
    record.status_reason = reason
    record.save()
    history.objects.create(
        **{type(record)._meta.model_name: record},
        from_status=previous,
        to_status=to_status,
        by=by,
        reason=reason,
        reference=reference,
    )
    return record
