"""Loading a campaign's history: enrollment imports from the collection software's
export, run as tracked jobs (enrollments.history)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from campaigns.models import Phase
from core.reach import OutOfReach
from enrollments.history.columns import COLUMNS
from enrollments.history.jobs import (
    enrollment_import_request,
    enrollment_import_resume,
    enrollment_import_run,
    enrollment_imports_resume_lost,
)
from enrollments.models import Enrollment, EnrollmentImport, EnrollmentImportError
from enrollments.serializers import EnrollmentInSerializer
from enrollments.services import enrollment_submit
from tests.intake_fixtures import submission
from tests.offices import build_offices

pytestmark = pytest.mark.django_db

HEADER = [column.header for column in COLUMNS]


def line(receipt_no, when, agent="A01", *, pid="049090123456", name="Nguyễn Văn An", born="17/05/1990", **cells):
    """A row of the collection software's export: a VSI receipt of 3 months by default."""
    row = {
        "receipt_no": receipt_no,
        "receipt_at": when.strftime("%d/%m/%Y %H:%M"),
        "agent": agent,
        "product": "BHXH tự nguyện",
        "personal_id": pid,
        "full_name": name,
        "date_of_birth": born,
        "gender": "Nam",
        "payment_months": "3",
        "declared_income": "1.500.000",
        **cells,
    }
    return [row.get(column.key, "") for column in COLUMNS]


def csv_file(*rows, name="thu-2024.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8-sig"), content_type="text/csv")


def xlsx_file(*rows) -> SimpleUploadedFile:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("thu.xlsx", buffer.getvalue())


def run_import(campaign, file, by, django_capture_on_commit_callbacks) -> EnrollmentImport:
    with django_capture_on_commit_callbacks(execute=True):
        job = enrollment_import_request(campaign=campaign, file=file, by=by)
    job.refresh_from_db()
    return job


def local(phase: Phase, days: float):
    return timezone.localtime(phase.start + timedelta(days=days), phase.campaign.tzinfo)


def test_a_past_phase_is_loaded_with_the_apis_counting_and_without_the_grace(
    campaign, agent1, agent2, closed_phase, campaign_manager, django_capture_on_commit_callbacks
):
    # The API refuses a receipt of phase 1: its cutoff and grace have passed.
    late = EnrollmentInSerializer().run_validation(submission(receipt_at=(closed_phase.start + timedelta(days=3))))
    assert enrollment_submit(agent=agent1, item=late).outcome == "invalid"

    file = csv_file(
        line("BL-1", local(closed_phase, 3)),
        line("BL-2", local(closed_phase, 5), "A02"),  # the same person again, later: not new
        line("BL-3", local(closed_phase, 6), "A02", pid="049190000001", name="Trần Thị Bình", gender="Nữ"),
    )
    job = run_import(campaign, file, campaign_manager, django_capture_on_commit_callbacks)

    assert (job.status, job.processed_rows, job.created_count, job.unchanged_count, job.error_count) == (
        EnrollmentImport.Status.DONE,
        3,
        3,
        0,
        0,
    )
    enrollments = {e.receipt_no: e for e in Enrollment.objects.filter(campaign=campaign)}
    assert {e.phase_id for e in enrollments.values()} == {closed_phase.pk}
    assert enrollments["BL-1"].counted and enrollments["BL-3"].counted
    assert not enrollments["BL-2"].counted  # the earliest receipt wins, as on the API
    assert enrollments["BL-2"].duplicate_of_id == enrollments["BL-1"].pk
    assert enrollments["BL-1"].agent == agent1 and enrollments["BL-2"].agent == agent2
    assert enrollments["BL-1"].amount_due > 0  # quoted as the API quotes it


def test_importing_the_same_file_again_changes_nothing(
    campaign, agent1, closed_phase, open_phase, campaign_manager, django_capture_on_commit_callbacks
):
    rows = [
        line("BL-1", local(closed_phase, 3)),
        line("BL-2", local(open_phase, 1), pid="049190000001", name="Trần Thị Bình", gender="Nữ"),
    ]
    first = run_import(campaign, xlsx_file(*rows), campaign_manager, django_capture_on_commit_callbacks)
    assert first.created_count == 2
    before = list(Enrollment.objects.order_by("pk").values_list("pk", "updated_at", "counted"))

    again = run_import(campaign, xlsx_file(*rows), campaign_manager, django_capture_on_commit_callbacks)

    assert (again.status, again.created_count, again.unchanged_count, again.error_count) == ("done", 0, 2, 0)
    assert list(Enrollment.objects.order_by("pk").values_list("pk", "updated_at", "counted")) == before


def test_every_error_of_a_row_is_reported_and_a_changed_receipt_is_refused(
    campaign, agent1, closed_phase, campaign_manager, django_capture_on_commit_callbacks
):
    run_import(
        campaign, csv_file(line("BL-1", local(closed_phase, 3))), campaign_manager, django_capture_on_commit_callbacks
    )
    file = csv_file(
        line("BL-2", local(closed_phase, 4), pid="12345", full_name="", payment_months="0"),  # three bad cells
        line("BL-3", local(closed_phase, 4), declared_income="", household_member_order="2"),  # VSI shape, twice
        line("BL-4", local(closed_phase, 4), "ZZ99"),  # no such agent
        line("BL-1", local(closed_phase, 9)),  # the receipt number on record, another time
        line("BL-5", local(closed_phase, 4), born="17/05/1991"),  # the person on record was born in 1990
    )
    job = run_import(campaign, file, campaign_manager, django_capture_on_commit_callbacks)

    assert (job.created_count, job.error_count) == (0, 5)
    errors = dict(EnrollmentImportError.objects.filter(job=job).values_list("receipt_no", "messages"))
    assert len(errors["BL-2"]) == 3
    assert [message.split(":")[0] for message in errors["BL-2"]] == ["Số CCCD", "Họ và tên", "Số tháng đóng"]
    assert len(errors["BL-3"]) == 2
    assert "ZZ99" in errors["BL-4"][0]
    assert "BL-1" in errors["BL-1"][0]
    assert {message.split(":")[0] for message in errors["BL-5"]} == {"Số CCCD", "Ngày sinh"}  # every error
    assert Enrollment.objects.filter(campaign=campaign).count() == 1


def test_a_finalized_phase_takes_no_import(
    campaign, agent1, closed_phase, campaign_manager, django_capture_on_commit_callbacks
):
    Phase.objects.filter(pk=closed_phase.pk).update(status=Phase.Status.FINALIZED)
    job = run_import(
        campaign, csv_file(line("BL-1", local(closed_phase, 3))), campaign_manager, django_capture_on_commit_callbacks
    )
    assert (job.created_count, job.error_count) == (0, 1)
    assert closed_phase.name in EnrollmentImportError.objects.get(job=job).messages[0]


def test_an_import_resumes_after_the_rows_its_lost_worker_had_read(
    campaign, agent1, closed_phase, campaign_manager, settings, django_capture_on_commit_callbacks
):
    settings.ENROLLMENT_IMPORT_CHUNK_ROWS = 2
    rows = [line(f"BL-{n}", local(closed_phase, 1 + n), pid=f"04909000{n:04d}", name=f"Người {n}") for n in range(1, 6)]
    with django_capture_on_commit_callbacks(execute=False):  # queued, never run: the worker is lost
        job = enrollment_import_request(campaign=campaign, file=csv_file(*rows), by=campaign_manager)
    # As a worker leaves it when it dies after committing its first chunk (rows BL-1 and BL-2).
    lost_at = timezone.now() - timedelta(seconds=settings.ENROLLMENT_IMPORT_STALE_SECONDS + 5)
    EnrollmentImport.objects.filter(pk=job.pk).update(
        status="running", processed_rows=2, created_count=2, attempts=1, started_at=lost_at, heartbeat_at=lost_at
    )
    resumed = enrollment_import_run(job_id=job.pk)  # a delivery of its task, as the sweep sends
    assert resumed is not None

    job.refresh_from_db()
    assert job.status == EnrollmentImport.Status.DONE
    assert sorted(Enrollment.objects.values_list("receipt_no", flat=True)) == ["BL-3", "BL-4", "BL-5"]
    assert (job.processed_rows, job.created_count, job.attempts) == (5, 5, 2)


def test_the_sweep_resumes_a_silent_import_and_leaves_a_live_one(
    campaign, agent1, closed_phase, campaign_manager, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        live = enrollment_import_request(
            campaign=campaign, file=csv_file(line("BL-1", local(closed_phase, 2))), by=campaign_manager
        )
        lost = enrollment_import_request(
            campaign=campaign,
            file=csv_file(line("BL-2", local(closed_phase, 3), pid="049190000001", name="Trần Thị Bình", gender="Nữ")),
            by=campaign_manager,
        )
    now = timezone.now()
    EnrollmentImport.objects.filter(pk=live.pk).update(status="running", started_at=now, heartbeat_at=now)
    old = now - timedelta(seconds=settings.ENROLLMENT_IMPORT_STALE_SECONDS + 1)
    EnrollmentImport.objects.filter(pk=lost.pk).update(status="running", started_at=old, heartbeat_at=old)

    assert enrollment_imports_resume_lost() == [lost.pk]  # tasks run eagerly here

    assert EnrollmentImport.objects.get(pk=lost.pk).status == EnrollmentImport.Status.DONE
    assert EnrollmentImport.objects.get(pk=live.pk).status == EnrollmentImport.Status.RUNNING
    assert list(Enrollment.objects.values_list("receipt_no", flat=True)) == ["BL-2"]


def test_a_failed_import_is_resumed_by_staff(
    campaign, agent1, closed_phase, campaign_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job = enrollment_import_request(
            campaign=campaign, file=csv_file(line("BL-1", local(closed_phase, 2))), by=campaign_manager
        )
    EnrollmentImport.objects.filter(pk=job.pk).update(status="failed", error="Worker lost", attempts=5)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_import_resume(job=job, by=campaign_manager)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.error) == (EnrollmentImport.Status.DONE, 1, "")


def test_an_unreadable_file_or_a_campaign_out_of_reach_is_refused_when_asked():
    offices = build_offices()
    staff = offices.quang_nam.staff
    before = EnrollmentImport.objects.count()
    with pytest.raises(OutOfReach):
        enrollment_import_request(campaign=offices.tay_ninh.campaign, file=csv_file(), by=staff)
    with pytest.raises(ValidationError) as refused:
        enrollment_import_request(
            campaign=offices.quang_nam.campaign, file=SimpleUploadedFile("x.csv", b"a;b\n1;2\n"), by=staff
        )
    assert "file" in refused.value.message_dict
    assert EnrollmentImport.objects.count() == before


def test_an_import_stops_when_its_requester_lost_the_campaigns_reach(
    campaign, agent1, closed_phase, campaign_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job = enrollment_import_request(
            campaign=campaign, file=csv_file(line("BL-1", local(closed_phase, 2))), by=campaign_manager
        )
    campaign_manager.is_active = False
    campaign_manager.save()
    ended = enrollment_import_run(job_id=job.pk)
    assert ended.status == EnrollmentImport.Status.FAILED
    assert not Enrollment.objects.exists()


def test_the_report_lists_every_row_not_taken(
    client, campaign, agent1, closed_phase, campaign_manager, django_capture_on_commit_callbacks
):
    file = csv_file(
        line("BL-1", local(closed_phase, 3)),
        line("BL-2", local(closed_phase, 4), pid="12345", full_name=""),
    )
    job = run_import(campaign, file, campaign_manager, django_capture_on_commit_callbacks)
    client.force_login(campaign_manager)
    response = client.get(f"/admin/enrollments/enrollmentimport/{job.pk}/report.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    # STT first, then the file's row number, the receipt number and the errors.
    rows = [row for row in book.worksheets[1].iter_rows(values_only=True) if len(row) > 2 and row[2] == "BL-2"]
    assert len(rows) == 1 and rows[0][1] == 3  # the file's row number (the header is row 1)
    assert rows[0][3].count(";") == 1  # both errors


# --- the admin ---------------------------------------------------------------------------

IMPORTS = "/admin/enrollments/enrollmentimport/"


def test_staff_upload_an_import_and_follow_its_progress(
    client, campaign, agent1, closed_phase, campaign_manager, django_capture_on_commit_callbacks
):
    client.force_login(campaign_manager)
    assert f"{IMPORTS}upload/" in client.get(IMPORTS).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{IMPORTS}upload/",
            {"campaign": campaign.pk, "file": csv_file(line("BL-1", local(closed_phase, 3)))},
        )
    job = EnrollmentImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{IMPORTS}{job.pk}/change/"
    status = client.get(f"{IMPORTS}{job.pk}/status/").json()
    assert (status["status"], status["percent"], status["created"], status["finished"]) == ("done", 100, 1, True)
    page = client.get(f"{IMPORTS}{job.pk}/change/")
    assert '<progress class="import-progress" max="100" value="100">' in page.text
    assert f"{IMPORTS}{job.pk}/report.xlsx" in page.text


def test_the_upload_takes_a_file_larger_than_other_uploads(
    client, campaign, agent1, closed_phase, campaign_manager, settings, django_capture_on_commit_callbacks
):
    settings.UPLOAD_MAX_SIZE = 1024
    rows = [line(f"BL-{n}", local(closed_phase, 3), pid=f"04909000{n:04d}", name=f"Người {n}") for n in range(40)]
    file = csv_file(*rows)
    assert file.size > settings.UPLOAD_MAX_SIZE
    client.force_login(campaign_manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{IMPORTS}upload/", {"campaign": campaign.pk, "file": file})
    assert EnrollmentImport.objects.get().created_count == 40


def test_staff_cannot_import_into_or_read_another_offices_campaign(client):
    offices = build_offices()
    client.force_login(offices.quang_nam.staff)
    other = offices.tay_ninh.campaign
    before = EnrollmentImport.objects.count()
    form = client.get(f"{IMPORTS}upload/")
    assert f'value="{offices.quang_nam.campaign.pk}"' in form.text
    assert f'value="{other.pk}"' not in form.text
    refused = client.post(f"{IMPORTS}upload/", {"campaign": other.pk, "file": csv_file()})
    assert refused.status_code == 200 and "campaign" in refused.context["form"].errors
    assert EnrollmentImport.objects.count() == before
    theirs = EnrollmentImport.objects.create(
        campaign=other, requested_by=offices.tay_ninh.staff, filename="x.csv", content=b"", size=0
    )
    assert client.get(f"{IMPORTS}{theirs.pk}/status/").status_code == 404
    assert client.get(f"{IMPORTS}{theirs.pk}/report.xlsx").status_code == 404
    assert client.post(f"{IMPORTS}{theirs.pk}/act/resume_imports/").status_code == 404
