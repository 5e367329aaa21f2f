"""Bulk submission: a result per item, valid items stored whatever the others do."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from enrollments.identity import make_personal_id
from enrollments.models import Enrollment, Participant
from tests.intake_fixtures import submission

pytestmark = pytest.mark.django_db

URL = "/api/v1/enrollments/bulk/"


def person(n: int) -> dict:
    born = date(1980 + n % 20, 1 + n % 12, 1 + n % 28)
    gender = "male" if n % 2 else "female"
    pid = make_personal_id(province_code="049", date_of_birth=born, gender=gender, serial=n)
    return {"personal_id": pid, "full_name": f"Người số {n}", "date_of_birth": born.isoformat(), "gender": gender}


def items(count: int, *, prefix: str = "A01-") -> list[dict]:
    receipt = (timezone.now() - timedelta(hours=2)).isoformat()
    return [submission(client_ref=f"{prefix}{n:05d}", participant=person(n), receipt_at=receipt) for n in range(count)]


def test_valid_items_are_stored_and_invalid_ones_reported_by_index(api1):
    batch = items(5)
    batch[1]["payment_months"] = 2
    batch[3]["participant"]["gender"] = "female" if batch[3]["participant"]["gender"] == "male" else "male"
    response = api1.post(URL, {"items": batch}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["invalid"]) == (3, 2)
    assert [row["status"] for row in body["results"]] == ["created", "invalid", "created", "invalid", "created"]
    assert "payment_months" in body["results"][1]["errors"]
    assert "personal_id" in body["results"][3]["errors"]["participant"]
    assert Enrollment.objects.count() == 3


def test_an_item_of_the_wrong_shape_does_not_sink_the_batch(api1):
    batch = [*items(2), {"client_ref": "broken"}]
    body = api1.post(URL, {"items": batch}, format="json").json()
    assert [row["status"] for row in body["results"]] == ["created", "created", "invalid"]
    assert "product" in body["results"][2]["errors"]


def test_a_replayed_batch_stores_nothing_new(api1):
    batch = items(4)
    api1.post(URL, {"items": batch}, format="json")
    body = api1.post(URL, {"items": batch}, format="json").json()
    assert body["replayed"] == 4
    assert Enrollment.objects.count() == 4


def test_a_changed_item_in_a_replayed_batch_is_a_conflict(api1):
    batch = items(3)
    api1.post(URL, {"items": batch}, format="json")
    batch[2]["payment_months"] = 12
    body = api1.post(URL, {"items": batch}, format="json").json()
    assert [row["status"] for row in body["results"]] == ["replayed", "replayed", "conflict"]
    assert "client_ref" in body["results"][2]["errors"]


def test_one_person_twice_in_a_batch_counts_once(api1):
    batch = items(2)
    batch[1]["participant"] = batch[0]["participant"]
    body = api1.post(URL, {"items": batch}, format="json").json()
    assert body["created"] == 2
    assert [row["counted"] for row in body["results"]] == [True, False]
    assert body["results"][1]["not_counted_reason"] == "duplicate"
    assert Participant.objects.count() == 1


def test_the_same_reference_twice_in_a_batch_is_stored_once(api1):
    batch = items(1)
    body = api1.post(URL, {"items": [batch[0], batch[0]]}, format="json").json()
    assert [row["status"] for row in body["results"]] == ["created", "replayed"]
    assert body["results"][0]["id"] == body["results"][1]["id"]


def test_more_than_a_thousand_items_are_refused(api1):
    response = api1.post(URL, {"items": [{}] * 1001}, format="json")
    assert response.status_code == 400
    assert "items" in response.json()["errors"]


def test_a_batch_runs_a_bounded_number_of_queries(api1, django_assert_max_num_queries):
    api1.post(URL, {"items": items(2, prefix="warm-")}, format="json")
    with django_assert_max_num_queries(40):
        body = api1.post(URL, {"items": items(200)}, format="json").json()
    assert body["created"] == 200


def test_a_large_batch_links_a_repeated_person_to_the_first_receipt(api1):
    # Sixty items take the bulk insert path; the last repeats the first person.
    batch = items(60)
    batch[59]["participant"] = batch[0]["participant"]
    body = api1.post(URL, {"items": batch}, format="json").json()
    assert body["created"] == 60
    first, last = (Enrollment.objects.get(pk=body["results"][i]["id"]) for i in (0, 59))
    assert (first.counted, last.counted, last.not_counted_reason) == (True, False, "duplicate")
    assert last.duplicate_of == first
    assert Enrollment.objects.filter(counted=True).count() == 59


def test_a_large_batch_with_an_earlier_receipt_takes_the_count_from_a_stored_one_and_links_its_own(api1):
    # Stored: person 0, received an hour ago. The batch (bulk insert path) holds
    # person 0 again, received earlier, twice: the earliest receipt wins, and the
    # stored one and the batch's later one both become its duplicates.
    stored = api1.post(URL, {"items": [submission(client_ref="OLD-1", participant=person(0))]}, format="json").json()
    batch = items(60, prefix="B-")
    batch[59] = {
        **batch[0],
        "client_ref": "B-LATER",
        "receipt_at": (timezone.now() - timedelta(minutes=90)).isoformat(),
    }
    body = api1.post(URL, {"items": batch}, format="json").json()
    assert body["created"] == 60
    winner = Enrollment.objects.get(pk=body["results"][0]["id"])
    old = Enrollment.objects.get(pk=stored["results"][0]["id"])
    later = Enrollment.objects.get(pk=body["results"][59]["id"])
    assert winner.counted and (old.counted, later.counted) == (False, False)
    assert (old.duplicate_of, later.duplicate_of) == (winner, winner)
    assert Enrollment.objects.filter(participant=winner.participant, counted=True).count() == 1


def test_a_large_batch_stores_every_field(api1):
    batch = items(60)
    api1.post(URL, {"items": batch}, format="json")
    stored = Enrollment.objects.get(client_ref=batch[7]["client_ref"])
    assert (stored.payment_months, stored.declared_income, stored.receipt_no) == (3, 1_500_000, "BL-0001")
    assert stored.participant.personal_id == batch[7]["participant"]["personal_id"]
    assert stored.updated_at is not None and stored.amount_due > 0


def test_a_superscript_digit_fails_only_its_own_item(api1):
    batch = items(4)
    batch[1]["participant"]["personal_id"] = "049²90123456"
    batch[2]["payment_months"] = 2
    response = api1.post(URL, {"items": batch}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert [row["status"] for row in body["results"]] == ["created", "invalid", "invalid", "created"]
    assert list(body["results"][1]["errors"]) == ["participant"]
    assert list(body["results"][1]["errors"]["participant"]) == ["personal_id"]
    assert "payment_months" in body["results"][2]["errors"]
    assert (body["created"], body["invalid"]) == (2, 2)
    assert Enrollment.objects.count() == 2


def test_a_full_width_personal_id_in_a_batch_is_refused_and_makes_no_second_participant(api1):
    batch = items(2)
    batch[1]["participant"] = {**batch[0]["participant"]}
    batch[1]["participant"]["personal_id"] = batch[0]["participant"]["personal_id"].translate(
        {ord(d): 0xFF10 + int(d) for d in "0123456789"}
    )
    body = api1.post(URL, {"items": batch}, format="json").json()
    assert [row["status"] for row in body["results"]] == ["created", "invalid"]
    assert "personal_id" in body["results"][1]["errors"]["participant"]
    assert list(Participant.objects.values_list("personal_id", flat=True)) == [batch[0]["participant"]["personal_id"]]
