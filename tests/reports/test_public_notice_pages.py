"""The notice page, the appeal form and the appeals page (``reports.pages.notice``)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from awards.appeals.models import Appeal
from tests.appeals import noticed_contest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def noticed(db):
    return noticed_contest()


def url(noticed, page="notice") -> str:
    return f"/campaigns/{noticed.contest.campaign.code}/phases/{noticed.phase.number}/{page}/"


def test_the_notice_shows_ranks_reasons_prizes_and_when_the_period_ends(client, noticed):
    client.force_login(noticed.user("W1"))
    response = client.get(url(noticed), {"cluster": noticed.contest.clusters[0].pk})
    assert response.status_code == 200
    html = response.content.decode()
    ends = noticed.finalization.notice_ends_at.astimezone(noticed.contest.campaign.tzinfo)
    assert ends.strftime("%d/%m/%Y %H:%M") in html
    assert "Giải 1" in html and "3.000.000" in html
    rows = response.context["board"].rows
    e3 = next(row for row in rows if row.code == "E3")
    assert not e3.eligible and e3.reason and e3.reason in html


def test_someone_outside_the_campaign_is_refused_the_notice(client, noticed):
    client.force_login(UserFactory(username="ngoai"))
    assert client.get(url(noticed)).status_code == 403


def test_an_agent_files_an_appeal_on_the_page_and_sees_it_listed(client, noticed):
    client.force_login(noticed.user("E3"))
    form = client.get(url(noticed, "appeal"))
    assert form.status_code == 200
    subject = f"agent-{noticed.agent('E3').pk}"
    response = client.post(
        url(noticed, "appeal"),
        {"subject": subject, "text": "Thiếu hồ sơ", "attachment": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.competitor_code, appeal.attachment_name) == ("E3", "a.pdf")
    listing = client.get("/appeals/")
    assert "Thiếu hồ sơ" in listing.content.decode()
    download = client.get(f"/appeals/{appeal.pk}/attachment/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    client.force_login(noticed.user("E2"))
    assert client.get(f"/appeals/{appeal.pk}/attachment/").status_code == 404


def test_the_form_shows_every_problem_at_once(client, noticed):
    client.force_login(noticed.user("E3"))
    response = client.post(
        url(noticed, "appeal"),
        {
            "subject": "agent-0",
            "receipt_no": "",
            "text": "",
            "attachment": SimpleUploadedFile("a.png", b"not an image"),
        },
    )
    assert response.status_code == 400
    assert {"subject", "text", "attachment"} <= set(response.context["form"].errors)
    assert not Appeal.objects.exists()


def test_no_form_after_the_notice_period(client, noticed):
    from awards.models import Finalization

    Finalization.objects.filter(pk=noticed.finalization.pk).update(notice_ends_at=noticed.finalized_at)
    client.force_login(noticed.user("E3"))
    response = client.get(url(noticed, "appeal"))
    assert response.status_code == 200 and "form" not in response.context
    client.post(url(noticed, "appeal"), {"subject": f"agent-{noticed.agent('E3').pk}", "text": "Muộn"})
    assert not Appeal.objects.exists()
