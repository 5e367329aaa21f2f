"""The agents' enrollment API, through real HTTP requests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from enrollments.contributions import contribution_quote
from enrollments.models import CoveragePeriod, Enrollment, EnrollmentTransition, Participant
from tests.intake_fixtures import client_for, submission

pytestmark = pytest.mark.django_db

URL = "/api/v1/enrollments/"


def post(client, body):
    return client.post(URL, body, format="json")


# --- submission -------------------------------------------------------------------


def test_an_agent_submits_an_enrollment_that_counts(api1, agent1, open_phase):
    response = post(api1, submission())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["agent"] == "A01"
    assert body["phase"]["id"] == open_phase.pk
    assert body["counted"] is True
    assert body["not_counted_reason"] == ""
    stored = Enrollment.objects.get(pk=body["id"])
    assert stored.agent == agent1
    assert stored.status == "submitted"
    assert not stored.transitions.exists()


def test_the_amount_due_is_the_quote_for_the_receipt_date(api1):
    body = post(api1, submission(payment_months=6, participant={"household_category": "poor"})).json()
    quote = contribution_quote(
        product="VSI",
        on=date.fromisoformat(body["coverage_start"]),
        payment_months=6,
        declared_income=1_500_000,
        household_category="poor",
    )
    assert (body["amount_due"], body["state_support"]) == (quote.amount_due, quote.state_support)
    assert body["amount_due"] > 0


def test_the_agent_is_the_caller_never_a_field(api1, agent2):
    response = post(api1, submission(agent=agent2.pk, agent_id=agent2.pk))
    assert response.status_code == 201
    assert Enrollment.objects.get().agent.code == "A01"


def test_an_hhi_enrollment_carries_a_household_member_order(api1):
    response = post(api1, submission(product="HHI", payment_months=12, household_member_order=2))
    assert response.status_code == 201, response.json()
    body = response.json()
    expected = contribution_quote(
        product="HHI", on=date.fromisoformat(body["coverage_start"]), payment_months=12, household_member_order=2
    )
    assert body["amount_due"] == expected.amount_due > 0
    assert body["declared_income"] is None


def test_a_user_who_is_not_an_agent_cannot_submit(reviewer_api, campaign):
    response = post(reviewer_api, submission())
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_anonymous_request_is_refused_with_the_error_contract(campaign):
    response = post(client_for(None), submission())
    assert response.status_code == 401
    assert set(response.json()) == {"message", "code", "errors"}


# --- idempotency ------------------------------------------------------------------


def test_a_replay_returns_the_stored_enrollment_with_200(api1):
    body = submission()
    first = post(api1, body)
    again = post(api1, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Enrollment.objects.count() == 1


def test_a_replay_with_different_content_is_a_conflict(api1):
    body = submission()
    post(api1, body)
    response = post(api1, {**body, "payment_months": 12})
    assert response.status_code == 409
    assert "client_ref" in response.json()["errors"]
    assert Enrollment.objects.get().payment_months == 3


def test_two_agents_may_use_the_same_client_reference(api1, api2):
    assert post(api1, submission()).status_code == 201
    other_person = {"personal_id": "049190000001", "full_name": "Lê Thị Bình", "gender": "female"}
    assert post(api2, submission(participant=other_person)).status_code == 201


# --- validation -------------------------------------------------------------------


def errors_of(response):
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid"
    return body["errors"]


def test_a_personal_id_that_disagrees_with_the_birth_year_is_refused(api1):
    errors = errors_of(post(api1, submission(participant={"date_of_birth": "1991-05-17"})))
    assert "personal_id" in errors["participant"]


def test_a_personal_id_that_disagrees_with_the_gender_is_refused(api1):
    errors = errors_of(post(api1, submission(participant={"gender": "female"})))
    assert "personal_id" in errors["participant"]


def test_a_personal_id_must_have_twelve_digits(api1):
    errors = errors_of(post(api1, submission(participant={"personal_id": "04909012345X"})))
    assert "personal_id" in errors["participant"]


def test_a_vsi_participant_must_be_fifteen(api1):
    born = timezone.localdate().replace(year=timezone.localdate().year - 14)
    pid = f"0493{born.year % 100:02d}000777"
    person = {"personal_id": pid, "date_of_birth": born.isoformat(), "gender": "female"}
    errors = errors_of(post(api1, submission(participant=person)))
    assert "date_of_birth" in errors["participant"]


def test_an_hhi_participant_may_be_a_child(api1):
    born = timezone.localdate().replace(year=timezone.localdate().year - 5, day=1)
    pid = f"0492{born.year % 100:02d}000778"
    body = submission(product="HHI", participant={"personal_id": pid, "date_of_birth": born.isoformat()})
    assert post(api1, body).status_code == 201


def test_an_income_below_the_floor_is_refused(api1):
    errors = errors_of(post(api1, submission(declared_income=1_000_000)))
    assert "declared_income" in errors


def test_an_income_above_twenty_base_salaries_is_refused(api1):
    errors = errors_of(post(api1, submission(declared_income=500_000_000)))
    assert "declared_income" in errors


def test_a_payment_period_not_offered_for_the_product_is_refused(api1):
    errors = errors_of(post(api1, submission(payment_months=2)))
    assert "payment_months" in errors


def test_a_vsi_enrollment_needs_a_declared_income(api1):
    body = submission()
    body.pop("declared_income")
    assert "declared_income" in errors_of(post(api1, body))


def test_a_receipt_in_the_future_is_refused(api1):
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    assert "receipt_at" in errors_of(post(api1, submission(receipt_at=future)))


def test_a_receipt_before_the_campaign_is_refused(api1, campaign):
    long_ago = (timezone.now() - timedelta(days=400)).isoformat()
    errors = errors_of(post(api1, submission(receipt_at=long_ago)))
    assert campaign.name in errors["receipt_at"][0]


def test_errors_speak_vietnamese_by_default(api1):
    errors = errors_of(post(api1, submission(receipt_at=(timezone.now() - timedelta(days=400)).isoformat())))
    assert "ngoài mọi đợt" in errors["receipt_at"][0]


def test_errors_speak_english_when_asked(api1):
    body = submission(receipt_at=(timezone.now() - timedelta(days=400)).isoformat())
    response = api1.post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert "outside every phase" in errors_of(response)["receipt_at"][0]


def test_a_receipt_in_a_closed_phase_names_the_phase_and_its_cutoff(api1, closed_phase):
    in_phase_one = (closed_phase.start + timedelta(days=3)).isoformat()
    errors = errors_of(post(api1, submission(receipt_at=in_phase_one)))
    message = errors["receipt_at"][0]
    assert closed_phase.name in message
    assert timezone.localtime(closed_phase.cutoff).strftime("%d/%m/%Y") in message


def test_a_phase_closed_early_tells_agents_it_was_closed_not_a_future_deadline(api1, campaign_manager, open_phase):
    from campaigns.services import phase_close

    phase_close(phase=open_phase, by=campaign_manager, reason="Kết thúc sớm")
    open_phase.refresh_from_db()
    message = errors_of(post(api1, submission()))["receipt_at"][0]
    tz = open_phase.campaign.tzinfo
    assert timezone.localtime(open_phase.closed_at, tz).strftime("%d/%m/%Y %H:%M") in message
    # The old message promised submissions "until" the deadline, still weeks ahead.
    assert timezone.localtime(open_phase.submission_deadline, tz).strftime("%d/%m/%Y") not in message
    assert open_phase.name in message


def test_a_receipt_within_the_grace_after_the_cutoff_is_taken(api1, campaign, open_phase):
    phase_one = campaign.phases.get(number=1)
    phase_one.cutoff = open_phase.start
    phase_one.grace = timedelta(days=90)
    phase_one.save()
    late = (phase_one.cutoff - timedelta(minutes=1)).isoformat()
    response = post(api1, submission(receipt_at=late))
    assert response.status_code == 201
    assert response.json()["phase"]["number"] == 1


def test_an_agent_outside_every_cluster_cannot_submit(db, campaign, post_office):
    from tests.factories import AgentFactory, DistrictFactory, UserFactory

    outsider = AgentFactory(code="X9", organization=post_office, locality=DistrictFactory(), user=UserFactory())
    errors = errors_of(post(client_for(outsider.user), submission()))
    assert "receipt_at" in errors


def test_a_known_personal_id_with_another_name_is_an_error_not_an_overwrite(api1, api2):
    post(api1, submission())
    response = post(api2, submission(client_ref="B-1", participant={"full_name": "Nguyễn Văn Anh"}))
    assert "full_name" in errors_of(response)["participant"]
    assert Participant.objects.get().full_name == "Nguyễn Văn An"


def test_a_known_personal_id_with_another_birth_date_is_an_error(api1, api2):
    post(api1, submission())
    response = post(api2, submission(client_ref="B-1", participant={"date_of_birth": "1990-05-18"}))
    assert "date_of_birth" in errors_of(response)["participant"]


def test_a_name_differing_only_in_case_and_spacing_is_the_same_person(api1, api2):
    post(api1, submission())
    response = post(api2, submission(client_ref="B-1", participant={"full_name": "  nguyễn  văn AN "}))
    assert response.status_code == 201


def test_garbage_never_gets_a_500(api1):
    for body in ([], "x", {"participant": "x"}, {"receipt_at": "yesterday"}, {"payment_months": "many"}):
        response = api1.post(URL, body, format="json")
        assert response.status_code == 400, body
    response = api1.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


# --- counting ---------------------------------------------------------------------


def test_a_participant_covered_within_twelve_months_is_recorded_but_not_counted(api1):
    person = Participant.objects.create(
        personal_id="049090123456", full_name="Nguyễn Văn An", date_of_birth=date(1990, 5, 17), gender="male"
    )
    today = timezone.localdate()
    CoveragePeriod.objects.create(
        participant=person, product="VSI", start=today - timedelta(days=400), end=today - timedelta(days=180)
    )
    body = post(api1, submission()).json()
    assert (body["counted"], body["not_counted_reason"]) == (False, "not_new")


def test_a_participant_whose_coverage_lapsed_twelve_months_ago_is_new_again(api1):
    person = Participant.objects.create(
        personal_id="049090123456", full_name="Nguyễn Văn An", date_of_birth=date(1990, 5, 17), gender="male"
    )
    today = timezone.localdate()
    CoveragePeriod.objects.create(
        participant=person, product="VSI", start=today - timedelta(days=900), end=today - timedelta(days=400)
    )
    assert post(api1, submission()).json()["counted"] is True


def test_coverage_of_the_other_product_does_not_matter(api1):
    person = Participant.objects.create(
        personal_id="049090123456", full_name="Nguyễn Văn An", date_of_birth=date(1990, 5, 17), gender="male"
    )
    today = timezone.localdate()
    CoveragePeriod.objects.create(
        participant=person, product="HHI", start=today - timedelta(days=100), end=today + timedelta(days=100)
    )
    assert post(api1, submission()).json()["counted"] is True


def test_the_earliest_receipt_wins_even_when_it_arrives_later(api1, api2):
    now = timezone.now()
    later = post(api2, submission(client_ref="B-1", receipt_at=(now - timedelta(hours=1)).isoformat())).json()
    assert later["counted"] is True
    earlier = post(api1, submission(client_ref="A-1", receipt_at=(now - timedelta(hours=5)).isoformat())).json()
    assert earlier["counted"] is True
    demoted = Enrollment.objects.get(pk=later["id"])
    assert (demoted.counted, demoted.not_counted_reason) == (False, "duplicate")
    assert demoted.duplicate_of_id == earlier["id"]


def test_a_later_receipt_of_a_counted_participant_is_a_duplicate(api1, api2):
    now = timezone.now()
    post(api1, submission(client_ref="A-1", receipt_at=(now - timedelta(hours=5)).isoformat()))
    later = post(api2, submission(client_ref="B-1", receipt_at=(now - timedelta(hours=1)).isoformat())).json()
    assert (later["counted"], later["not_counted_reason"]) == (False, "duplicate")


def test_a_product_the_campaign_does_not_count_is_stored_not_counted(api1, campaign):
    campaign.products = ["VSI"]
    campaign.save()
    result = post(api1, submission(product="HHI", household_member_order=1)).json()
    assert (result["counted"], result["not_counted_reason"]) == (False, "product_not_counted")


# --- reading ----------------------------------------------------------------------


def test_an_agent_lists_only_their_own_enrollments(api1, api2):
    post(api1, submission())
    post(api2, submission(client_ref="B-1", participant={"personal_id": "049190000001", "gender": "female"}))
    mine = api1.get(URL).json()
    assert [row["agent"] for row in mine["results"]] == ["A01"]


def test_another_agents_enrollment_is_a_404(api1, api2):
    created = post(api1, submission()).json()
    response = api2.get(f"{URL}{created['id']}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_list_filters_by_status_product_and_counted(api1, api2):
    now = timezone.now()
    post(api1, submission(client_ref="A-1", receipt_at=(now - timedelta(hours=5)).isoformat()))
    post(api1, submission(client_ref="A-2", receipt_at=(now - timedelta(hours=1)).isoformat()))
    counted = api1.get(URL, {"counted": "true"}).json()
    assert [row["client_ref"] for row in counted["results"]] == ["A-1"]
    assert api1.get(URL, {"product": "HHI"}).json()["count"] == 0
    assert api1.get(URL, {"status": "submitted"}).json()["count"] == 2
    # The receipts' days in the campaign's zone: near midnight the earlier one falls on the day before.
    days = [timezone.localdate(now - timedelta(hours=hours)) for hours in (5, 1)]
    day = days[1].isoformat()
    assert api1.get(URL, {"date_from": day, "date_to": day}).json()["count"] == days.count(days[1])


def test_an_organization_manager_reads_their_organizations_enrollments(api1, api2, agent1, django_user_model):
    post(api1, submission())
    post(api2, submission(client_ref="B-1", participant={"personal_id": "049190000001", "gender": "female"}))
    manager = django_user_model.objects.create_user("bd-manager", password="x-pass-123")
    agent1.organization.managers.add(manager)
    rows = client_for(manager).get(URL).json()["results"]
    assert [row["agent"] for row in rows] == ["A01"]


def test_a_login_with_no_role_sees_nothing(api1, django_user_model):
    post(api1, submission())
    nobody = django_user_model.objects.create_user("nobody", password="x-pass-123")
    assert client_for(nobody).get(URL).json()["count"] == 0


# --- staff actions ----------------------------------------------------------------


def test_a_reviewer_confirms_and_coverage_goes_on_record(api1, reviewer_api, reviewer):
    created = post(api1, submission()).json()
    response = reviewer_api.post(f"{URL}{created['id']}/confirm/")
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    enrollment = Enrollment.objects.get(pk=created["id"])
    assert enrollment.coverage_period.source == "enrollment"
    assert enrollment.transitions.last().by == reviewer


def test_an_agent_cannot_confirm_their_own_enrollment(api1):
    created = post(api1, submission()).json()
    assert api1.post(f"{URL}{created['id']}/confirm/").status_code == 403
    assert Enrollment.objects.get().status == "submitted"


def test_rejecting_needs_a_reason(api1, reviewer_api):
    created = post(api1, submission()).json()
    response = reviewer_api.post(f"{URL}{created['id']}/reject/", {"reason": ""}, format="json")
    assert "reason" in errors_of(response)


def test_rejecting_the_counted_receipt_lets_the_next_one_count(api1, api2, reviewer_api):
    now = timezone.now()
    first = post(api1, submission(client_ref="A-1", receipt_at=(now - timedelta(hours=5)).isoformat())).json()
    second = post(api2, submission(client_ref="B-1", receipt_at=(now - timedelta(hours=1)).isoformat())).json()
    response = reviewer_api.post(f"{URL}{first['id']}/reject/", {"reason": "Sai biên lai"}, format="json")
    assert response.json()["not_counted_reason"] == "rejected"
    assert Enrollment.objects.get(pk=second["id"]).counted is True
    assert EnrollmentTransition.objects.filter(enrollment_id=first["id"], to_status="rejected").get().reason == (
        "Sai biên lai"
    )


def test_cancelling_a_confirmed_enrollment_removes_its_coverage(api1, reviewer_api):
    created = post(api1, submission()).json()
    reviewer_api.post(f"{URL}{created['id']}/confirm/")
    response = reviewer_api.post(f"{URL}{created['id']}/cancel/", {"reason": "Hoàn tiền"}, format="json")
    assert response.json()["status"] == "cancelled"
    assert not CoveragePeriod.objects.exists()


def test_a_submitted_enrollment_cannot_be_cancelled(api1, reviewer_api):
    created = post(api1, submission()).json()
    response = reviewer_api.post(f"{URL}{created['id']}/cancel/", {"reason": "x"}, format="json")
    assert response.status_code == 409


def test_an_agent_withdraws_their_own_submitted_enrollment(api1):
    created = post(api1, submission()).json()
    response = api1.post(f"{URL}{created['id']}/withdraw/")
    assert response.json()["status"] == "withdrawn"
    assert response.json()["counted"] is False


def test_an_agent_cannot_withdraw_anothers_enrollment(api1, api2):
    created = post(api1, submission()).json()
    assert api2.post(f"{URL}{created['id']}/withdraw/").status_code == 404


# --- identity: ASCII digits only ------------------------------------------------------

FULL_WIDTH_ID = "０４９０９０１２３４５６"  # 049090123456 in full-width digits


def test_a_personal_id_in_full_width_digits_is_refused_not_converted(api1):
    errors = errors_of(post(api1, submission(participant={"personal_id": FULL_WIDTH_ID})))
    assert list(errors["participant"]) == ["personal_id"]
    assert "0–9" in errors["participant"]["personal_id"][0]
    assert not Participant.objects.exists()


def test_the_full_width_twin_of_a_stored_personal_id_is_not_a_second_participant(api1):
    assert post(api1, submission()).status_code == 201
    response = post(api1, submission(client_ref="A01-000002", participant={"personal_id": FULL_WIDTH_ID}))
    assert response.status_code == 400
    assert Participant.objects.get().personal_id == "049090123456"


def test_a_personal_id_with_a_superscript_digit_is_a_400_not_a_500(api1):
    errors = errors_of(post(api1, submission(participant={"personal_id": "049²90123456"})))
    assert "personal_id" in errors["participant"]


def test_spaces_around_a_personal_id_are_trimmed(api1):
    response = post(api1, submission(participant={"personal_id": "  049090123456 "}))
    assert response.status_code == 201
    assert response.json()["participant"]["personal_id"] == "049090123456"


def test_a_social_insurance_code_in_full_width_digits_is_refused(api1):
    errors = errors_of(post(api1, submission(participant={"social_insurance_code": "４９０１２３４５６７"})))
    assert list(errors["participant"]) == ["social_insurance_code"]


def test_a_submission_with_three_problems_reports_all_three(api1):
    body = submission(
        payment_months=2,  # VSI is paid for 1, 3, 6 or 12 months
        household_member_order=1,  # only HHI has one
        participant={"personal_id": "12345"},  # not 12 digits
    )

    response = post(api1, body)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"payment_months", "household_member_order", "participant"}
    assert list(errors["participant"]) == ["personal_id"]


def test_a_receipt_outside_every_phase_still_reports_the_products_problems(api1):
    body = submission(
        receipt_at="2020-01-01T09:00:00+07:00",  # before every phase
        declared_income=100,  # below the poverty line
        participant={"date_of_birth": "2015-05-17", "personal_id": "049215123456"},  # ten years old
    )

    response = post(api1, body)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"receipt_at", "declared_income", "participant"} <= set(errors)
    assert "date_of_birth" in errors["participant"]
