"""Staff work on enrollments in the admin: bulk actions and Excel imports."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from enrollments.models import Enrollment

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/enrollments/enrollment/"


def act(client, action, enrollments, **extra):
    data = {"action": action, "_selected_action": [e.pk for e in enrollments], **extra}
    return client.post(CHANGELIST, data)


def test_a_reviewer_confirms_selected_enrollments(client, reviewer, submitted):
    client.force_login(reviewer)
    response = act(client, "confirm_selected", submitted)
    assert response.status_code == 302
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"confirmed"}
    assert Enrollment.objects.get(client_ref="A-1").transitions.get().by == reviewer


def test_rejecting_asks_for_the_reason_first(client, reviewer, submitted):
    client.force_login(reviewer)
    response = act(client, "reject_selected", submitted[:1])
    assert response.status_code == 200
    assert b'name="reason"' in response.content
    assert Enrollment.objects.get(client_ref="A-1").status == "submitted"


def test_rejecting_with_a_reason_records_it(client, reviewer, submitted):
    client.force_login(reviewer)
    act(client, "reject_selected", submitted[:1], apply="1", reason="Biên lai không hợp lệ")
    rejected = Enrollment.objects.get(client_ref="A-1")
    assert (rejected.status, rejected.counted, rejected.status_reason) == (
        "rejected",
        False,
        "Biên lai không hợp lệ",
    )


def test_cancelling_a_submitted_enrollment_is_refused_with_a_message(client, reviewer, submitted):
    client.force_login(reviewer)
    response = act(client, "cancel_selected", submitted[:1], apply="1", reason="Hoàn tiền")
    assert response.status_code == 302
    assert Enrollment.objects.get(client_ref="A-1").status == "submitted"


def test_a_campaign_manager_has_no_review_actions(client, campaign_manager, submitted):
    client.force_login(campaign_manager)
    page = client.get(CHANGELIST)
    assert b"confirm_selected" not in page.content
    act(client, "confirm_selected", submitted)
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"submitted"}


def test_the_changelist_links_the_confirmation_import_for_reviewers(client, reviewer, submitted):
    client.force_login(reviewer)
    assert b"/admin/enrollments/enrollment/import/confirmations/" in client.get(CHANGELIST).content


def test_the_import_template_is_a_workbook_with_the_headers(client, reviewer):
    client.force_login(reviewer)
    response = client.get(f"{CHANGELIST}import/confirmations/template/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == ["STT", "Số biên lai", "Số CCCD", "Số tiền"]


def upload(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "xac-nhan.xlsx"
    return buffer


def test_an_import_with_a_bad_row_shows_the_report_and_applies_nothing(client, reviewer, submitted):
    client.force_login(reviewer)
    response = client.post(
        f"{CHANGELIST}import/confirmations/", {"file": upload([["Số biên lai"], ["BL-1"], ["BL-999"]])}
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert [row.number for row in report.error_rows] == [3]
    assert b'id="import-report"' in response.content
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"submitted"}


def test_an_import_is_previewed_then_the_valid_rows_can_be_applied(client, reviewer, submitted):
    client.force_login(reviewer)
    url = f"{CHANGELIST}import/confirmations/"
    preview = client.post(url, {"file": upload([["Số biên lai"], ["BL-1"], ["BL-999"]])})
    assert preview.context["preview"] is True
    assert [row.number for row in preview.context["report"].valid_rows] == [2]
    assert b'id="import-apply"' in preview.content
    assert Enrollment.objects.get(receipt_no="BL-1").status == "submitted"  # the preview applied nothing

    applied = client.post(url, {"token": preview.context["token"], "apply_valid": "on"})
    assert applied.context["report"].applied
    assert Enrollment.objects.get(receipt_no="BL-1").status == "confirmed"
    assert Enrollment.objects.get(receipt_no="BL-2").status == "submitted"


def test_a_file_without_errors_is_applied_whole_after_its_preview(client, reviewer, submitted):
    client.force_login(reviewer)
    url = f"{CHANGELIST}import/confirmations/"
    preview = client.post(url, {"file": upload([["Số biên lai"], ["BL-1"], ["BL-2"]])})
    client.post(url, {"token": preview.context["token"]})
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"confirmed"}


def test_applying_an_unknown_preview_asks_for_the_file_again(client, reviewer, submitted):
    client.force_login(reviewer)
    response = client.post(f"{CHANGELIST}import/confirmations/", {"token": "not-a-preview"})
    assert response.status_code == 200
    assert response.context["apply_error"]
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"submitted"}


def test_an_import_needs_its_permission(client, council_member, submitted):
    client.force_login(council_member)
    assert client.get(f"{CHANGELIST}import/confirmations/").status_code == 403


def test_a_file_that_is_not_a_workbook_gets_a_form_error(client, reviewer):
    client.force_login(reviewer)
    bogus = io.BytesIO(b"hello")
    bogus.name = "x.xlsx"
    response = client.post(f"{CHANGELIST}import/confirmations/", {"file": bogus})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
