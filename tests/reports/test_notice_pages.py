"""The bell on the pages, ``/notices/`` and ``/notices/preferences/``: the user's own only."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reports.models import Notice, NoticeKind, NoticePreference

pytestmark = pytest.mark.django_db


def _notice(user, key: str) -> Notice:
    return Notice.objects.create(
        user=user,
        kind=NoticeKind.QUOTA_REACHED,
        event_key=key,
        data={"campaign": "Thi đua Quảng Nam", "phase": "Đợt 2", "minimum": 1500, "counted": 1500, "product": "VSI"},
        url=reverse("pages:campaigns"),
    )


def test_the_bell_shows_the_unread_count_on_every_page(client, agent1, agent2):
    for n in range(3):
        _notice(agent1.user, f"k{n}")
    _notice(agent2.user, "k0")
    client.force_login(agent1.user)

    page = client.get(reverse("pages:campaigns")).content.decode()

    assert 'data-testid="notice-bell"' in page
    assert 'data-testid="notice-count">3<' in page


def test_the_list_shows_the_users_notices_in_vietnamese_numbers(client, agent1, agent2):
    _notice(agent1.user, "mine")
    theirs = _notice(agent2.user, "theirs")
    theirs.data = {**theirs.data, "phase": "Đợt của người khác"}
    theirs.save()
    client.force_login(agent1.user)

    page = client.get(reverse("pages:notices")).content.decode()

    assert page.count('data-testid="notice"') == 1
    assert "1.500" in page and "Đợt 2" in page
    assert "Đợt của người khác" not in page


def test_marking_read_empties_the_bell(client, agent1):
    notice = _notice(agent1.user, "one")
    client.force_login(agent1.user)

    response = client.post(reverse("pages:notice-read", args=[notice.pk]))

    assert response.status_code == 302
    assert Notice.objects.get(pk=notice.pk).read_at is not None
    assert 'data-testid="notice-count"' not in client.get(reverse("pages:notices")).content.decode()


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(client, agent1):
    notice = _notice(agent1.user, "one")
    client.force_login(agent1.user)

    response = client.post(reverse("pages:notice-read", args=[notice.pk]), {"open": "1"})

    assert response.status_code == 302 and response["Location"] == notice.url


def test_another_users_notice_cannot_be_marked_read(client, agent1, agent2):
    theirs = _notice(agent2.user, "theirs")
    client.force_login(agent1.user)

    assert client.post(reverse("pages:notice-read", args=[theirs.pk])).status_code == 404
    assert Notice.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_read_leaves_other_users_notices_alone(client, agent1, agent2):
    _notice(agent1.user, "a")
    _notice(agent1.user, "b")
    theirs = _notice(agent2.user, "a")
    client.force_login(agent1.user)

    client.post(reverse("pages:notices-read-all"))

    assert not Notice.objects.filter(user=agent1.user, read_at__isnull=True).exists()
    assert Notice.objects.get(pk=theirs.pk).read_at is None


def test_the_pages_need_a_login(client):
    for name in ("pages:notices", "pages:notice-preferences"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_settings_page_saves_what_the_user_unticks(client, agent1):
    client.force_login(agent1.user)
    ticked = {f"{kind}-in_app": "on" for kind in NoticeKind.values} | {
        f"{kind}-email": "on" for kind in NoticeKind.values if kind != NoticeKind.PHASE_CLOSING
    }

    response = client.post(reverse("pages:notice-preferences"), ticked)

    assert response.status_code == 302
    stored = NoticePreference.objects.get(user=agent1.user, kind=NoticeKind.PHASE_CLOSING)
    assert stored.in_app and not stored.email
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="saved"' in page
    assert re.search(r'name="phase_closing-email"[^>]*>', page).group(0).endswith('">')  # unticked
    assert re.search(r'name="quota_reached-email"[^>]*>', page).group(0).endswith(" checked>")
