"""Fast inserts for intake on PostgreSQL.

Intake writes thousands of participants and enrollments a second. Django's
``bulk_create`` spends most of its time preparing every field of every row in
Python; these two functions hand whole columns to PostgreSQL instead:
enrollments go in with COPY under ids drawn from the table's sequence up
front, participants with one INSERT … SELECT FROM UNNEST … ON CONFLICT DO
UPDATE that also locks them (COPY cannot skip existing rows). On other
databases (SQLite, the embedded default) ``bulk_create`` does the job.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from enrollments.models import Enrollment, Participant

# Below this many rows the fixed cost of the fast paths outweighs what they save.
COPY_THRESHOLD = 50


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def insert_enrollments(enrollments: list[Enrollment]) -> list[Enrollment]:
    """Insert new enrollments and give them their ids."""
    if connection.vendor != "postgresql" or len(enrollments) < COPY_THRESHOLD:
        return Enrollment.objects.bulk_create(enrollments, batch_size=500)
    now = timezone.now()
    table = Enrollment._meta.db_table
    fields = Enrollment._meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(enrollments)]
        )
        for enrollment, (pk,) in zip(enrollments, cursor.fetchall(), strict=True):
            enrollment.pk = pk
            enrollment.updated_at = now
            enrollment._state.adding = False
            enrollment._state.db = connection.alias
        columns = ", ".join(_quoted(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {_quoted(table)} ({columns}) FROM STDIN") as copy:
            for enrollment in enrollments:
                copy.write_row([getattr(enrollment, f.attname) for f in fields])
    return enrollments


def participants_insert_locked(people: list[Participant]) -> dict[str, Participant]:
    """Insert the participants not stored yet and lock every one of them, in
    personal-ID order: the one order in which every write locks participants
    (``enrollments.services.participants_lock``), so that two writers sharing
    people never wait on each other in a circle. Returns the people by personal
    ID with the ``pk``, ``full_name`` and ``date_of_birth`` stored, which are
    another request's when that request created the person first.

    On PostgreSQL one statement does both, row by row in personal-ID order:
    a new person is inserted (and so locked), a stored one meets the conflict
    and the no-op update locks it. Waiting on another writer's uncommitted
    insert of the same person happens at that person's turn too. Elsewhere
    (SQLite, which runs one writer at a time) the new people are inserted and
    the stored rows read back.
    """
    by_id = {}
    for person in people:
        by_id.setdefault(person.personal_id, person)
    ordered = [by_id[personal_id] for personal_id in sorted(by_id)]
    if not ordered:
        return {}
    if connection.vendor == "postgresql":
        rows = _upsert_in_order(ordered)
    else:
        Participant.objects.bulk_create(ordered, ignore_conflicts=True)
        rows = (
            Participant.objects.select_for_update()
            .filter(personal_id__in=by_id)
            .order_by("personal_id")
            .values_list("pk", "personal_id", "full_name", "date_of_birth")
        )
    for pk, personal_id, full_name, date_of_birth in rows:
        person = by_id[personal_id]
        person.pk, person.full_name, person.date_of_birth = pk, full_name, date_of_birth
        person._state.adding, person._state.db = False, connection.alias
    return by_id


def _upsert_in_order(people: list[Participant]) -> list[tuple]:
    now = timezone.now()
    for person in people:
        person.created_at = now
    fields = [f for f in Participant._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(_quoted(f.column) for f in fields)
    unnest = ", ".join(f"%s::{f.rel_db_type(connection) if f.is_relation else f.db_type(connection)}[]" for f in fields)
    # Only names and types from the model's own metadata go into the text; values are parameters.
    table = _quoted(Participant._meta.db_table)
    key = _quoted("personal_id")
    returning = ", ".join(
        _quoted(Participant._meta.get_field(name).column)
        for name in ("id", "personal_id", "full_name", "date_of_birth")
    )
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT * FROM UNNEST({unnest}) AS incoming ({columns}) ORDER BY incoming.{key} "
        f"ON CONFLICT ({key}) DO UPDATE SET {key} = EXCLUDED.{key} "
        f"RETURNING {returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [[getattr(person, f.attname) for person in people] for f in fields])
        return cursor.fetchall()
