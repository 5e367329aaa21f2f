"""Fast inserts for intake on PostgreSQL.

Intake writes thousands of participants and enrollments a second. Django's
``bulk_create`` spends most of its time preparing every field of every row in
Python; these two functions hand whole columns to PostgreSQL instead:
enrollments go in with COPY under ids drawn from the table's sequence up
front, participants with one INSERT … SELECT FROM UNNEST … ON CONFLICT DO
NOTHING (COPY cannot skip existing rows). On other databases (SQLite, the
embedded default) ``bulk_create`` does the job.
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


def insert_participants(people: list[Participant]) -> None:
    """Insert participants, skipping any whose personal ID is already stored
    (another request may have created the same person a moment ago)."""
    if connection.vendor != "postgresql" or len(people) < COPY_THRESHOLD:
        Participant.objects.bulk_create(people, ignore_conflicts=True)
        return
    now = timezone.now()
    for person in people:
        person.created_at = now
    fields = [f for f in Participant._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(_quoted(f.column) for f in fields)
    unnest = ", ".join(f"%s::{f.rel_db_type(connection) if f.is_relation else f.db_type(connection)}[]" for f in fields)
    # Only names and types from the model's own metadata go into the text; values are parameters.
    table = _quoted(Participant._meta.db_table)
    conflict = _quoted("personal_id")
    sql = f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({unnest}) ON CONFLICT ({conflict}) DO NOTHING"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [[getattr(person, f.attname) for person in people] for f in fields])
