"""The people of an intake: inserted when new, and every one of them locked,
in personal-ID order, by one statement (``participants_insert_locked``)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import OperationalError, connection, transaction

from enrollments.bulk import participants_insert_locked
from enrollments.models import Participant
from tests.factories import ParticipantFactory
from tests.intake_fixtures import submission

BULK_URL = "/api/v1/enrollments/bulk/"


def newcomer(personal_id: str, **fields) -> Participant:
    values = {
        "full_name": "Trần Thị Bình",
        "date_of_birth": date(1992, 3, 4),
        "gender": "female",
        "household_category": "poor",
        "social_insurance_code": None,
        **fields,
    }
    return Participant(personal_id=personal_id, **values)


@pytest.mark.django_db
def test_new_people_are_inserted_whole_and_people_on_record_are_read_back_unchanged(quang_nam):
    known = ParticipantFactory(personal_id="049090000009", full_name="Nguyễn Văn An", date_of_birth=date(1990, 5, 17))
    people = participants_insert_locked(
        [
            newcomer("049192000002", social_insurance_code="4901234567", locality=quang_nam["tam_ky"]),
            newcomer("049090000009", full_name="Tên khác", date_of_birth=date(2000, 1, 1)),
            newcomer("049192000001"),
            newcomer("049192000002", full_name="Lặp lại"),  # the first of a personal ID is the one inserted
        ]
    )

    assert sorted(people) == ["049090000009", "049192000001", "049192000002"]
    # The person on record keeps their name and date of birth, and the caller is told them.
    assert (people["049090000009"].pk, people["049090000009"].full_name) == (known.pk, "Nguyễn Văn An")
    known.refresh_from_db()
    assert (known.full_name, known.date_of_birth) == ("Nguyễn Văn An", date(1990, 5, 17))
    stored = Participant.objects.get(personal_id="049192000002")
    assert stored.pk == people["049192000002"].pk
    assert (stored.full_name, stored.gender, stored.household_category) == ("Trần Thị Bình", "female", "poor")
    assert (stored.social_insurance_code, stored.locality) == ("4901234567", quang_nam["tam_ky"])
    assert stored.created_at is not None
    assert Participant.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_people_new_and_on_record_stay_locked_until_the_transaction_ends():
    ParticipantFactory(personal_id="049090000009")
    held, done = threading.Event(), threading.Event()

    def intake():
        try:
            with transaction.atomic():
                participants_insert_locked([newcomer("049090000009"), newcomer("049192000001")])
                held.set()
                done.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=intake)
    thread.start()
    try:
        assert held.wait(10)
        # The person on record, locked by the no-op update:
        with pytest.raises(OperationalError, match="could not obtain lock"), transaction.atomic():
            list(Participant.objects.select_for_update(nowait=True).filter(personal_id="049090000009"))
        # The new person, held by the insert not yet committed:
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            participants_insert_locked([newcomer("049192000001")])
    finally:
        done.set()
        thread.join(10)
    assert Participant.objects.filter(personal_id="049192000001").exists()


# --- a new person's social insurance code ------------------------------------------------------


@pytest.mark.django_db
def test_a_new_person_with_a_code_already_on_record_is_an_invalid_item_not_a_failure(api1):
    ParticipantFactory(personal_id="049090000009", social_insurance_code="4901234567")
    batch = [
        submission(client_ref="A01-1", participant={"social_insurance_code": "4901234567"}),
        submission(
            client_ref="A01-2",
            participant={"personal_id": "049190000001", "gender": "female", "full_name": "Lê Thị Hoa"},
        ),
    ]
    response = api1.post(BULK_URL, {"items": batch}, format="json")
    assert response.status_code == 200
    first, second = response.json()["results"]
    assert first["status"] == "invalid"
    assert first["errors"]["participant"]["social_insurance_code"]
    assert second["status"] == "created"


@pytest.mark.django_db
def test_two_new_people_of_one_batch_cannot_share_a_code(api1):
    batch = [
        submission(client_ref="A01-1", participant={"social_insurance_code": "4901234567"}),
        submission(
            client_ref="A01-2",
            participant={
                "personal_id": "049190000001",
                "gender": "female",
                "full_name": "Lê Thị Hoa",
                "social_insurance_code": "4901234567",
            },
        ),
    ]
    body = api1.post(BULK_URL, {"items": batch}, format="json").json()
    assert [row["status"] for row in body["results"]] == ["created", "invalid"]
    assert body["results"][1]["errors"]["participant"]["social_insurance_code"]
    assert Participant.objects.get(social_insurance_code="4901234567").personal_id == "049090123456"
