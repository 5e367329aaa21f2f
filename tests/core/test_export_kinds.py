"""The registry of export kinds: each app registers its own, and the export job
takes its kinds from there."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured, ValidationError

from campaigns.models import Campaign
from core.export_kinds import ExportKind, export_kind, export_kind_choices, register_export_kind
from core.models import ExportJob
from tests.factories import UserFactory


def _kind(name: str) -> ExportKind:
    return ExportKind(
        name=name,
        label=name,
        params=dict,
        check=lambda user, params: None,
        full_access="auth.view_user",
        write=lambda output, params, user: 0,
        filename=lambda params: f"{name}.xlsx",
    )


def test_each_app_registers_the_kinds_of_its_own_data():
    owners = {name: export_kind(name).write.__module__ for name, _label in export_kind_choices()}
    assert owners == {
        "enrollments": "enrollments.exports",
        "ranking": "awards.exports",
        "awards": "awards.exports",
        "progress": "reports.exports",
    }


def test_a_kind_name_is_registered_once():
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        register_export_kind(_kind("progress"))


def test_a_kind_name_must_fit_the_jobs_kind_column():
    with pytest.raises(ImproperlyConfigured, match="longer than 12"):
        register_export_kind(_kind("a-very-long-kind"))


def test_an_unregistered_kind_cannot_be_looked_up():
    with pytest.raises(LookupError):
        export_kind("payroll")


@pytest.mark.django_db
def test_a_job_of_a_kind_nobody_registered_does_not_validate():
    job = ExportJob(kind="payroll", requested_by=UserFactory())
    with pytest.raises(ValidationError) as error:
        job.full_clean()
    assert set(error.value.message_dict) == {"kind"}
    ExportJob(kind="ranking", requested_by=job.requested_by).full_clean()


def test_a_job_shows_its_kinds_label():
    assert ExportJob(kind="awards", pk=7).get_kind_display() == "Danh sách khen thưởng"


def test_the_campaign_admin_gets_the_progress_action_from_the_reports_app():
    campaign_admin = admin.site._registry[Campaign]
    assert type(campaign_admin).__module__ == "reports.admin"
    assert [getattr(action, "__name__", action) for action in campaign_admin.actions] == [
        "start_campaigns",
        "export_definition",
        "download_progress",
    ]
