"""An Excel import's preview waits in the database, for its user only, for an
hour; uploads over the limit and crafted workbooks get a message on the form.

Through the confirmations import of the enrollment admin, over real HTTP.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from campaigns.roles import GROUP_NAMES, StaffRole
from core.admin_imports import PREVIEW_SECONDS, import_preview_store
from core.models import ImportPreview
from core.parsers import OversizedUpload
from core.spreadsheets import SheetCells
from enrollments.models import Enrollment
from enrollments.services import enrollment_reject
from tests.core.crafted_workbooks import SHEET, crafted, repeated, sheet
from tests.factories import assign_unit
from tests.spreadsheets import upload

pytestmark = pytest.mark.django_db

URL = "/admin/enrollments/enrollment/import/confirmations/"
HEADER = "Số biên lai"


def statuses() -> dict[str, str]:
    return dict(Enrollment.objects.values_list("receipt_no", "status"))


def preview(client, rows) -> str:
    response = client.post(URL, {"file": upload([[HEADER], *rows])})
    assert response.context["preview"] is True, response.context["form"].errors
    return response.context["token"]


@pytest.fixture
def other_reviewer(django_user_model):
    user = django_user_model.objects.create_user("reviewer2", password="staff-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name=GROUP_NAMES[StaffRole.REVIEWER]))
    assign_unit(user)
    return user


def test_a_preview_waits_in_the_database_with_the_cells_read(client, reviewer, submitted):
    client.force_login(reviewer)
    token = preview(client, [["BL-1"], ["BL-2"]])

    stored = ImportPreview.objects.get()
    assert (stored.user, stored.token, stored.kind) == (reviewer, token, "enrollments.enrollment:confirmations")
    assert stored.rows == 2
    assert stored.cells == {"keys": ["receipt_no"], "lines": [[2, "BL-1"], [3, "BL-2"]]}


def test_every_kind_of_cell_comes_back_the_same_from_the_database(reviewer):
    values = [None, True, 42, 0.25, 3.0, 1e20, float("-inf"), "Nguyễn", datetime(2024, 5, 17, 8, 30), date(1990, 5, 17)]
    cells = SheetCells(keys=("value",), lines=[(number, (value,)) for number, value in enumerate(values, start=2)])

    import_preview_store(user=reviewer, kind="test", cells=cells)

    again = SheetCells.from_json(ImportPreview.objects.get().cells)
    assert again == cells
    assert [type(cell) for _number, (cell,) in again.lines] == [type(value) for value in values]


def test_a_preview_is_applied_without_the_cache_and_then_dropped(client, reviewer, submitted):
    client.force_login(reviewer)
    token = preview(client, [["BL-1"], ["BL-2"]])
    cache.clear()  # as another web process, without Redis, would see it

    applied = client.post(URL, {"token": token})

    assert applied.context["report"].applied
    assert statuses() == {"BL-1": "confirmed", "BL-2": "confirmed"}
    assert not ImportPreview.objects.exists()
    again = client.post(URL, {"token": token})
    assert again.context["apply_error"]


def test_a_preview_is_only_for_the_user_who_uploaded_it(client, reviewer, other_reviewer, submitted):
    client.force_login(reviewer)
    token = preview(client, [["BL-1"]])

    client.force_login(other_reviewer)
    response = client.post(URL, {"token": token})

    assert response.context["apply_error"]
    assert statuses() == {"BL-1": "submitted", "BL-2": "submitted"}
    assert ImportPreview.objects.filter(token=token).exists()  # still the uploader's to apply


def test_an_expired_preview_is_not_applied_and_is_dropped(client, reviewer, submitted):
    client.force_login(reviewer)
    token = preview(client, [["BL-1"]])
    ImportPreview.objects.update(created_at=timezone.now() - timedelta(seconds=PREVIEW_SECONDS + 1))

    response = client.post(URL, {"token": token})

    assert response.context["apply_error"]
    assert statuses()["BL-1"] == "submitted"
    assert not ImportPreview.objects.exists()


def test_a_new_upload_replaces_the_users_waiting_preview_and_drops_expired_ones(
    client, reviewer, other_reviewer, submitted
):
    client.force_login(other_reviewer)
    preview(client, [["BL-2"]])
    ImportPreview.objects.update(created_at=timezone.now() - timedelta(seconds=PREVIEW_SECONDS + 1))
    client.force_login(reviewer)
    first = preview(client, [["BL-1"]])

    second = preview(client, [["BL-2"]])

    assert list(ImportPreview.objects.values_list("token", flat=True)) == [second]
    assert client.post(URL, {"token": first}).context["apply_error"]


def test_a_preview_that_applied_nothing_is_kept_to_apply_the_valid_rows(client, reviewer, submitted):
    client.force_login(reviewer)
    token = preview(client, [["BL-1"], ["BL-2"]])
    enrollment_reject(enrollment=Enrollment.objects.get(receipt_no="BL-2"), by=reviewer, reason="Sai biên lai")

    refused = client.post(URL, {"token": token})
    assert not refused.context["report"].applied
    assert [row.number for row in refused.context["report"].error_rows] == [3]

    applied = client.post(URL, {"token": token, "apply_valid": "on"})
    assert applied.context["report"].applied
    assert statuses() == {"BL-1": "confirmed", "BL-2": "rejected"}
    assert not ImportPreview.objects.exists()


def test_a_file_over_the_upload_limit_gets_a_form_error_naming_the_limit(client, reviewer, submitted, settings):
    settings.UPLOAD_MAX_SIZE = 4096
    client.force_login(reviewer)
    file = upload([[HEADER], *([f"BL-{i}"] for i in range(2000))])
    size = len(file.getvalue())
    assert size > 4096

    response = client.post(URL, {"file": file})

    assert response.status_code == 200
    [message] = response.context["form"].errors["file"]
    assert filesizeformat(size) in message
    assert filesizeformat(4096) in message
    received = response.context["form"].files["file"]
    assert isinstance(received, OversizedUpload)  # its bytes were read and thrown away
    assert received.size == size
    assert not ImportPreview.objects.exists()


def test_a_crafted_workbook_gets_a_form_error_not_a_server_error(client, reviewer):
    client.force_login(reviewer)
    bomb = crafted({SHEET: sheet(repeated(b"<row/>", 10_000_000), dimension="A1:XFD10000000")})

    response = client.post(URL, {"file": bomb})

    assert response.status_code == 200
    assert "10.000.000" in response.context["form"].errors["file"][0]
    assert not ImportPreview.objects.exists()
