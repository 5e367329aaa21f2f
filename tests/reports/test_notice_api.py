"""``/api/v1/me/notices/`` and ``/api/v1/me/notice-preferences/``: the caller's own
notices and settings only, in the caller's language."""

from __future__ import annotations

import pytest

from reports.models import Notice, NoticeKind, NoticePreference
from tests.factories import UserFactory
from tests.intake_fixtures import client_for

pytestmark = pytest.mark.django_db

LIST = "/api/v1/me/notices/"
PREFERENCES = "/api/v1/me/notice-preferences/"


def _notice(user, key: str, kind=NoticeKind.ENROLLMENT_REJECTED, **fields) -> Notice:
    data = {"participant": "Nguyễn Văn An", "product": "VSI", "receipt_no": "BL-1", "campaign": "QN", "reason": "Sai"}
    return Notice.objects.create(user=user, kind=kind, event_key=key, data=data, **fields)


@pytest.fixture
def mine(agent1):
    return [_notice(agent1.user, "a"), _notice(agent1.user, "b"), _notice(agent1.user, "hidden", in_app=False)]


@pytest.fixture
def theirs(agent2):
    return _notice(agent2.user, "a")


def test_an_agent_lists_their_own_notices_newest_first_and_never_anothers(api1, mine, theirs):
    response = api1.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [mine[1].pk, mine[0].pk]  # the one turned off is not listed
    assert body["count"] == 2
    assert body["results"][0]["read"] is False
    assert "BL-1" in body["results"][0]["body"] and "Sai" in body["results"][0]["body"]


def test_the_unread_filter_counts_what_the_bell_shows(api1, mine):
    api1.post(f"{LIST}{mine[0].pk}/read/")

    assert api1.get(LIST + "?read=false").json()["count"] == 1
    assert [row["id"] for row in api1.get(LIST + "?read=true").json()["results"]] == [mine[0].pk]


def test_the_text_follows_the_callers_language(api1, mine):
    english = api1.get(LIST, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]

    assert english["title"] == "Enrollment rejected"
    assert english["body"].startswith("The enrollment of Nguyễn Văn An")


def test_an_agent_marks_one_notice_read(api1, mine):
    response = api1.post(f"{LIST}{mine[0].pk}/read/")

    assert response.status_code == 200
    assert response.json()["read"] is True
    assert Notice.objects.get(pk=mine[0].pk).read_at is not None
    assert Notice.objects.get(pk=mine[1].pk).read_at is None


def test_another_agents_notice_is_not_found_and_stays_unread(api1, theirs):
    assert api1.get(f"{LIST}{theirs.pk}/").status_code == 404
    response = api1.post(f"{LIST}{theirs.pk}/read/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert Notice.objects.get(pk=theirs.pk).read_at is None


def test_a_non_numeric_id_answers_a_json_404(api1):
    response = api1.get(f"{LIST}abc/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_mark_all_read_marks_only_the_callers_notices(api1, mine, theirs):
    response = api1.post(f"{LIST}read-all/")

    assert response.json() == {"marked": 2}
    assert api1.get(LIST + "?read=false").json()["count"] == 0
    assert Notice.objects.get(pk=theirs.pk).read_at is None


def test_notices_need_a_login(mine):
    response = client_for(None).get(LIST)

    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")


def test_preferences_are_on_by_default_and_changed_per_kind(api1, agent1):
    before = api1.get(PREFERENCES).json()
    assert [row["kind"] for row in before] == list(NoticeKind.values)
    assert all(row["in_app"] and row["email"] for row in before)

    changes = [{"kind": "quota_reached", "email": False}, {"kind": "phase_closing", "in_app": False}]
    response = api1.patch(PREFERENCES, changes, format="json")

    assert response.status_code == 200
    after = {row["kind"]: (row["in_app"], row["email"]) for row in response.json()}
    assert after["quota_reached"] == (True, False)
    assert after["phase_closing"] == (False, True)
    assert after["award_approved"] == (True, True)
    assert NoticePreference.objects.filter(user=agent1.user).count() == 2


def test_bad_preferences_answer_every_problem_at_once(api1, agent1):
    changes = [{"kind": "nonsense"}, {"kind": "quota_reached", "email": "maybe"}]
    response = api1.patch(PREFERENCES, changes, format="json")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "nonsense" in str(response.json()) and "email" in str(response.json())
    assert not NoticePreference.objects.exists()


def test_preferences_take_json_booleans_only(api1, agent1):
    # The schema says boolean: text or numbers that DRF would read as one are refused, and so is a form body.
    for value in ("true", 1, "yes"):
        response = api1.patch(PREFERENCES, [{"kind": "quota_reached", "email": value}], format="json")
        assert response.status_code == 400 and "email" in str(response.json())
    assert api1.patch(PREFERENCES, {"kind": "quota_reached", "email": "false"}).status_code == 415
    assert not NoticePreference.objects.exists()


def test_a_bad_read_filter_is_refused(api1, agent1):
    response = api1.get("/api/v1/me/notices/", {"read": "maybe"})
    assert response.status_code == 400 and "read" in response.json()["errors"]


def test_one_users_preferences_do_not_change_anothers(api1, agent2):
    api1.patch(PREFERENCES, [{"kind": "quota_reached", "email": False}], format="json")

    other = client_for(agent2.user).get(PREFERENCES).json()
    assert all(row["email"] for row in other)


def test_staff_without_notices_see_an_empty_list(reviewer_api):
    assert reviewer_api.get(LIST).json()["count"] == 0


def test_a_user_sees_none_of_the_notices_of_a_user_with_the_same_event(api1, agent1):
    other = UserFactory(username="someone")
    _notice(other, "same-event")
    _notice(agent1.user, "same-event")

    assert api1.get(LIST).json()["count"] == 1
