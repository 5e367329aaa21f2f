"""Nominations and the award dossier in the admin: added with the prize's money, moved by
the council's and the director's actions, documents downloaded from the phase's page,
an office's own template uploaded; another office's staff reach none of it."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from awards.documents.render import render_document
from awards.models import DocumentTemplate, Nomination, NominationTransition
from awards.nominations import nomination_add
from campaigns.roles import GROUP_NAMES, StaffRole
from tests.awards.units import NOMINEE_AMOUNT, build_unit_contest
from tests.factories import UnitFactory, UserFactory, assign_unit

pytestmark = pytest.mark.django_db

NOMINATIONS = "/admin/awards/nomination/"
INLINE = {"transitions-TOTAL_FORMS": "0", "transitions-INITIAL_FORMS": "0"}


def staff(username: str, role: StaffRole, unit):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
    assign_unit(user, unit)
    return user


@pytest.fixture
def units():
    return build_unit_contest()


def act(client, action, objects, **extra):
    data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra}
    return client.post(NOMINATIONS, data, follow=True)


def test_a_nomination_added_in_the_admin_takes_the_prizes_distinction_and_money(client, units):
    council = staff("council-qn", StaffRole.COUNCIL, units.province)
    client.force_login(council)
    award = units.award("BHXH-49-1")

    form = client.get(f"{NOMINATIONS}add/", {"award": award.pk})
    assert form.status_code == 200
    assert form.context["adminform"].form.initial["amount"] == NOMINEE_AMOUNT

    response = client.post(
        f"{NOMINATIONS}add/",
        {"award": award.pk, "full_name": "Nguyễn Văn An", "distinction": "", "amount": "", **INLINE},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    nomination = Nomination.objects.get()
    assert (nomination.distinction, nomination.amount) == ("Giấy khen của Giám đốc", NOMINEE_AMOUNT)
    assert (nomination.phase, nomination.created_by) == (units.phase, council)
    assert NominationTransition.objects.filter(nomination=nomination, to_status="proposed", by=council).exists()


def test_the_admin_form_names_what_is_missing(client, units):
    client.force_login(staff("council-qn", StaffRole.COUNCIL, units.province))
    response = client.post(f"{NOMINATIONS}add/", {"full_name": "", **INLINE})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"award", "campaign", "full_name"} <= set(errors)
    assert Nomination.objects.count() == 0


def test_the_council_reviews_and_the_director_approves_nominations_in_the_admin(client, units):
    nomination = nomination_add(award=units.award("BHXH-49-2"), full_name="Phạm Thị Dung")
    client.force_login(staff("council-qn", StaffRole.COUNCIL, units.province))
    act(client, "review_nominations", [nomination], apply="1", minutes="03/BB-HĐTĐKT")
    assert Nomination.objects.get().status == "reviewed"

    client.force_login(staff("director-qn", StaffRole.DIRECTOR, units.province))
    act(client, "approve_nominations", [nomination], apply="1", decision_number="15/QĐ", decision_date="2025-01-15")
    approved = Nomination.objects.get()
    assert (approved.status, approved.decision_number) == ("approved", "15/QĐ")


def test_another_offices_staff_do_not_reach_the_nominations(client, units):
    nomination = nomination_add(award=units.award("BHXH-49-2"), full_name="Phạm Thị Dung")
    client.force_login(staff("council-tn", StaffRole.COUNCIL, UnitFactory(code="BHXH-72")))
    assert nomination.full_name not in client.get(NOMINATIONS).text
    assert client.get(f"{NOMINATIONS}{nomination.pk}/change/").status_code == 302  # not found: back to the index
    act(client, "review_nominations", [nomination], apply="1", minutes="01/BB")
    assert Nomination.objects.get().status == "proposed"
    refused = client.post(
        f"{NOMINATIONS}add/", {"award": units.award("BHXH-49-1").pk, "full_name": "Nguyễn Văn An", **INLINE}
    )
    assert refused.status_code == 200 and "award" in refused.context["adminform"].form.errors


def test_the_phase_page_offers_the_dossier_and_serves_it_within_reach(client, units):
    council = staff("council-qn", StaffRole.COUNCIL, units.province)
    client.force_login(council)
    page = client.get(f"/admin/campaigns/phase/{units.phase.pk}/change/")
    url = f"/admin/campaigns/phase/{units.phase.pk}/documents/decision.docx"
    assert url in page.text
    response = client.get(f"/admin/campaigns/phase/{units.phase.pk}/documents/submission.docx")
    assert response.status_code == 200
    assert "TỜ TRÌNH" in "\n".join(p.text for p in Document(BytesIO(response.content)).paragraphs)
    # The minutes need the meeting: a message, back on the phase's page.
    minutes = client.get(f"/admin/campaigns/phase/{units.phase.pk}/documents/minutes.docx", follow=True)
    assert minutes.redirect_chain and minutes.redirect_chain[-1][0].endswith(f"/{units.phase.pk}/change/")

    client.force_login(staff("council-tn", StaffRole.COUNCIL, UnitFactory(code="BHXH-72")))
    assert client.get(url).status_code in (302, 403, 404)
    assert not client.get(url).get("Content-Type", "").startswith("application/vnd.openxml")


def test_a_campaign_manager_uploads_the_offices_own_template(client, units):
    client.force_login(staff("manager-qn", StaffRole.CAMPAIGN_MANAGER, units.province))
    source = Document()
    source.add_paragraph("Tờ trình riêng: {{ count }} đề nghị, {{ total_words }}")
    output = BytesIO()
    source.save(output)
    upload = SimpleUploadedFile("to-trinh.docx", output.getvalue())
    response = client.post(
        "/admin/awards/documenttemplate/add/", {"unit": units.province.pk, "kind": "submission", "file": upload}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert DocumentTemplate.objects.get().uploaded_by.username == "manager-qn"
    document = render_document(phase=units.phase, kind="submission")
    text = "\n".join(p.text for p in Document(BytesIO(document.content)).paragraphs)
    assert text == "Tờ trình riêng: 2 đề nghị, Tám triệu bốn trăm năm mươi nghìn đồng"


def test_a_template_for_another_office_or_not_a_docx_is_refused(client, units):
    client.force_login(staff("manager-qn", StaffRole.CAMPAIGN_MANAGER, units.province))
    other = UnitFactory(code="BHXH-72")
    response = client.post(
        "/admin/awards/documenttemplate/add/",
        {"unit": other.pk, "kind": "submission", "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4")},
    )
    assert response.status_code == 200
    assert {"unit", "file"} <= set(response.context["adminform"].form.errors)
    assert DocumentTemplate.objects.count() == 0


@pytest.mark.parametrize("content", [b"PK not really a zip", None], ids=["not-a-docx", "broken-tag"])
def test_an_upload_that_cannot_be_filled_is_refused(client, units, content):
    client.force_login(staff("manager-qn", StaffRole.CAMPAIGN_MANAGER, units.province))
    if content is None:
        source = Document()
        source.add_paragraph("Tổng: {{ total ")
        output = BytesIO()
        source.save(output)
        content = output.getvalue()
    response = client.post(
        "/admin/awards/documenttemplate/add/",
        {"unit": units.province.pk, "kind": "decision", "file": SimpleUploadedFile("mau.docx", content)},
    )
    assert response.status_code == 200
    assert "file" in response.context["adminform"].form.errors
    assert DocumentTemplate.objects.count() == 0
