"""Participants in the admin: the identity codes are cleaned as on every other way in."""

from __future__ import annotations

import pytest

from enrollments.models import Participant
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/enrollments/participant/add/"


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "x"))
    return client


def form(**fields) -> dict:
    return {
        "personal_id": "049090418444",
        "social_insurance_code": "",
        "full_name": "Nguyễn Văn An",
        "date_of_birth": "17/05/1990",
        "gender": "male",
        "locality": "",
        "household_category": "other",
        **fields,
    }


def test_a_participant_is_added_with_the_personal_id_trimmed(admin_client):
    response = admin_client.post(ADD, form(personal_id=" 049090418444 ", social_insurance_code=" 4901234567 "))
    assert response.status_code == 302, response.context["adminform"].form.errors
    person = Participant.objects.get()
    assert (person.personal_id, person.social_insurance_code) == ("049090418444", "4901234567")


def test_no_social_insurance_code_is_stored_as_none(admin_client):
    assert admin_client.post(ADD, form()).status_code == 302
    assert Participant.objects.get().social_insurance_code is None


@pytest.mark.parametrize("personal_id", ["０４９０９０４１８４４４", "049²90418444", "04909041844"])
def test_a_personal_id_not_of_twelve_ascii_digits_is_a_form_error(admin_client, personal_id):
    response = admin_client.post(ADD, form(personal_id=personal_id))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["personal_id"]
    assert not Participant.objects.exists()


def test_the_full_width_twin_of_a_stored_participant_is_refused(admin_client):
    ParticipantFactory(personal_id="049090418444")
    response = admin_client.post(ADD, form(personal_id="０４９０９０４１８４４４", full_name="Một người khác"))
    assert "personal_id" in response.context["adminform"].form.errors
    assert Participant.objects.count() == 1


def test_a_full_width_social_insurance_code_is_a_form_error(admin_client):
    response = admin_client.post(ADD, form(social_insurance_code="４９０１２３４５６７"))
    assert list(response.context["adminform"].form.errors) == ["social_insurance_code"]
    assert not Participant.objects.exists()


def test_a_personal_id_must_agree_with_the_date_of_birth(admin_client):
    response = admin_client.post(ADD, form(date_of_birth="17/05/1991"))
    assert list(response.context["adminform"].form.errors) == ["personal_id"]
    assert not Participant.objects.exists()
