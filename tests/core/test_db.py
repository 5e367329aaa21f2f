"""A write the database refused for contention runs again; when it keeps
failing the caller is told the server is busy (503 with Retry-After)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from core.db import retry_on_conflict
from core.errors import Busy
from enrollments.models import Participant
from tests.factories import ParticipantFactory
from tests.intake_fixtures import submission

BULK_URL = "/api/v1/enrollments/bulk/"


def refused(driver_error: type[psycopg.Error], wrapper=OperationalError) -> Exception:
    """The error Django raises for the driver's error, as its database wrapper builds it."""
    error = wrapper(driver_error.__name__)
    error.__cause__ = driver_error("refused")
    return error


class Flaky:
    """A write that the database refuses ``failures`` times, then does."""

    def __init__(self, failures: int, error=psycopg.errors.DeadlockDetected, wrapper=OperationalError):
        self.failures, self.error, self.wrapper, self.calls = failures, error, wrapper, 0

    def __call__(self):
        self.calls += 1
        if self.calls <= self.failures:
            raise refused(self.error, self.wrapper)
        return "written"


def test_a_deadlock_is_run_again_and_its_result_returned():
    write = Flaky(failures=1)
    assert retry_on_conflict(write) == "written"
    assert write.calls == 2


def test_a_serialization_failure_is_run_again():
    write = Flaky(failures=2, error=psycopg.errors.SerializationFailure)
    assert retry_on_conflict(write) == "written"
    assert write.calls == 3


def test_after_the_last_attempt_the_caller_is_told_busy():
    write = Flaky(failures=5)
    with pytest.raises(Busy) as raised:
        retry_on_conflict(write, attempts=3)
    assert write.calls == 3
    assert isinstance(raised.value.__cause__, OperationalError)
    assert raised.value.retry_after == 1


def test_other_database_errors_are_not_run_again():
    write = Flaky(failures=1, error=psycopg.errors.UniqueViolation, wrapper=IntegrityError)
    with pytest.raises(IntegrityError):
        retry_on_conflict(write)
    assert write.calls == 1


@pytest.mark.django_db
def test_inside_a_transaction_it_runs_once_and_answers_busy():
    """Only a whole transaction can run again: the enclosing block rolls back."""
    write = Flaky(failures=1)
    with pytest.raises(Busy), transaction.atomic():
        retry_on_conflict(write)
    assert write.calls == 1


def test_busy_raised_inside_a_transaction_is_run_again_from_outside():
    """Busy from a retry inside a transaction reaches an outer retry, outside every block, which runs it again."""
    calls = []

    def whole():
        calls.append(1)
        if len(calls) == 1:
            raise Busy()
        return "written"

    assert retry_on_conflict(whole) == "written"
    assert len(calls) == 2


# --- through the API -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # a request outside any transaction, as served
def test_a_bulk_submission_that_keeps_deadlocking_answers_503_with_retry_after(api1, monkeypatch):
    write = Flaky(failures=10)
    monkeypatch.setattr("enrollments.views.enrollments_submit", lambda **kwargs: write())
    response = api1.post(BULK_URL, {"items": [submission()]}, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "busy"
    assert body["message"] == str(Busy())
    assert body["errors"] == {}
    assert write.calls == 3


@pytest.mark.django_db
def test_a_deadlock_reaching_an_api_view_unretried_answers_503(api1, monkeypatch):
    def deadlocked(**kwargs):
        raise refused(psycopg.errors.DeadlockDetected)

    monkeypatch.setattr("enrollments.views.enrollment_submit", deadlocked)
    monkeypatch.setattr("enrollments.views.retry_on_conflict", lambda fn: fn())
    response = api1.post("/api/v1/enrollments/", submission(), format="json")
    assert (response.status_code, response.json()["code"], response["Retry-After"]) == (503, "busy", "1")


# --- a real deadlock ---------------------------------------------------------------------------


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _waits_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def _lock(person: Participant) -> None:
    list(Participant.objects.select_for_update().filter(pk=person.pk).values("pk"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_is_run_again_and_both_writes_land():
    """Two transactions lock two people in opposite orders. PostgreSQL aborts
    one (this one: it checks for deadlocks sooner); run again, it succeeds."""
    first = ParticipantFactory(personal_id="049090000001", full_name="Người một")
    second = ParticipantFactory(personal_id="049090000002", full_name="Người hai")
    other = {"pid": None, "error": None}
    holds_second = threading.Event()

    def other_writer():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL deadlock_timeout = '5s'")
                other["pid"] = _backend_pid()
                _lock(second)
                holds_second.set()
                _lock(first)  # waits for the first attempt below
                Participant.objects.filter(pk=first.pk).update(full_name="Người một (đổi)")
        except Exception as exc:  # reported by the assertion below
            other["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=other_writer)
    attempts = []

    def write():
        attempts.append(len(attempts) + 1)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL deadlock_timeout = '50ms'")
            _lock(first)
            if len(attempts) == 1:
                thread.start()
                assert holds_second.wait(10)
                deadline = time.monotonic() + 10
                while not _waits_on_a_lock(other["pid"]) and time.monotonic() < deadline:
                    time.sleep(0.01)
            _lock(second)
            Participant.objects.filter(pk=second.pk).update(full_name="Người hai (đổi)")
        return "written"

    assert retry_on_conflict(write) == "written"
    thread.join(10)
    assert other["error"] is None
    assert attempts == [1, 2]
    assert set(Participant.objects.values_list("full_name", flat=True)) == {"Người một (đổi)", "Người hai (đổi)"}
