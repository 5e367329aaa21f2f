"""Indicator values imported from Excel in the admin, row by row."""

from __future__ import annotations

from decimal import Decimal

import pytest

from campaigns.imports import indicator_values_import
from campaigns.models import IndicatorValue, Phase
from core.spreadsheets import a_decimal
from tests.factories import CampaignFactory, IndicatorFactory, PhaseFactory, UnitFactory
from tests.spreadsheets import upload as spreadsheet

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/campaigns/indicatorvalue/"
HEADERS = ["Mã phong trào", "Đợt", "Mã đơn vị", "Mã chỉ tiêu", "Giá trị", "Ghi chú"]


def upload(*rows):
    return spreadsheet(rows, headers=HEADERS, name="chi-tieu.xlsx")


@pytest.fixture
def vss():
    campaign = CampaignFactory(code="vss-q4-2017")
    PhaseFactory(campaign=campaign, number=1)
    IndicatorFactory(campaign=campaign, code="SI-LABOUR", default_target=26.8)
    IndicatorFactory(campaign=campaign, code="DEBT", comparator="lt", default_target=3)
    UnitFactory(code="BHXH-01")
    UnitFactory(code="BHXH-31")
    return campaign


def values():
    return {
        (v.unit.code, v.indicator.code): v.value for v in IndicatorValue.objects.select_related("unit", "indicator")
    }


def test_values_are_recorded_and_a_second_import_replaces_them(vss):
    report = indicator_values_import(
        file=upload(
            ["vss-q4-2017", 1, "BHXH-01", "SI-LABOUR", 27.5, "Quý IV"],
            ["vss-q4-2017", 1, "BHXH-01", "DEBT", "2,85", ""],
            ["vss-q4-2017", 1, "BHXH-31", "SI-LABOUR", "1.027,5", ""],
        )
    )
    assert report.applied and not report.error_rows
    assert values() == {
        ("BHXH-01", "SI-LABOUR"): Decimal("27.5"),
        ("BHXH-01", "DEBT"): Decimal("2.85"),
        ("BHXH-31", "SI-LABOUR"): Decimal("1027.5"),
    }

    again = indicator_values_import(file=upload(["vss-q4-2017", 1, "BHXH-01", "DEBT", "2,5", "Sửa số liệu"]))
    assert [row.outcome for row in again.rows] == ["đã thay thế"]  # replaced
    assert values()[("BHXH-01", "DEBT")] == Decimal("2.5")
    assert IndicatorValue.objects.count() == 3


def test_every_bad_row_is_reported_and_nothing_is_applied(vss):
    report = indicator_values_import(
        file=upload(
            ["vss-q4-2017", 1, "BHXH-01", "SI-LABOUR", 27.5, ""],
            ["vss-q4-2017", 2, "BHXH-01", "SI-LABOUR", 27.5, ""],
            ["vss-q4-2017", 1, "BHXH-99", "SI-LABOUR", 27.5, ""],
            ["vss-q4-2017", 1, "BHXH-01", "UI-LABOUR", 27.5, ""],
            ["vss-q4-2017", 1, "BHXH-31", "DEBT", "hai phẩy năm", ""],
            ["khong-co", 1, "BHXH-31", "DEBT", 1, ""],
            ["vss-q4-2017", 1, "BHXH-01", "SI-LABOUR", 28, ""],
        )
    )
    assert not report.applied
    assert [row.number for row in report.error_rows] == [3, 4, 5, 6, 7, 8]
    assert "không có đợt 2" in " ".join(report.rows[1].errors)
    assert "BHXH-99" in " ".join(report.rows[2].errors)
    assert "UI-LABOUR" in " ".join(report.rows[3].errors)
    assert "Dòng 2" in " ".join(report.rows[6].errors)
    assert not IndicatorValue.objects.exists()

    partial = indicator_values_import(
        file=upload(["vss-q4-2017", 1, "BHXH-01", "SI-LABOUR", 27.5, ""], ["vss-q4-2017", 9, "BHXH-01", "DEBT", 1, ""]),
        apply_valid=True,
    )
    assert partial.applied
    assert values() == {("BHXH-01", "SI-LABOUR"): Decimal("27.5")}


def test_values_of_a_finalized_phase_are_refused(vss):
    vss.phases.update(status=Phase.Status.FINALIZED)
    report = indicator_values_import(file=upload(["vss-q4-2017", 1, "BHXH-01", "SI-LABOUR", 27.5, ""]))
    assert "đã chốt kết quả" in " ".join(report.rows[0].errors)
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize(
    ("cell", "number"),
    [(26.8, "26.8"), ("26,8", "26.8"), ("1.234,5", "1234.5"), ("1,234.5", "1234.5"), ("83,2%", "83.2"), (3, "3")],
)
def test_numbers_are_read_the_vietnamese_and_the_english_way(cell, number):
    assert a_decimal(cell) == Decimal(number)


@pytest.mark.parametrize("cell", ["abc", True, "NaN", "1,2,3.4.5"])
def test_what_is_not_a_number_is_an_error(cell):
    with pytest.raises(ValueError, match="không phải là số"):
        a_decimal(cell)


def test_a_campaign_manager_imports_through_the_admin(client, campaign_manager, vss):
    client.force_login(campaign_manager)
    assert f"{CHANGELIST}import/indicator-values/".encode() in client.get(CHANGELIST).content
    url = f"{CHANGELIST}import/indicator-values/"
    preview = client.post(url, {"file": upload(["vss-q4-2017", 1, "BHXH-01", "DEBT", "2,85", ""])})
    assert [row.outcome for row in preview.context["report"].rows] == ["đã thêm"]  # would be added
    assert not IndicatorValue.objects.exists()
    client.post(url, {"token": preview.context["token"]})
    value = IndicatorValue.objects.get()
    assert (value.value, value.recorded_by) == (Decimal("2.85"), campaign_manager)


def test_the_council_cannot_import_values(client, council_member, vss):
    client.force_login(council_member)
    assert client.get(f"{CHANGELIST}import/indicator-values/").status_code == 403


def test_a_preview_of_a_replacement_shows_the_value_before_and_after(vss):
    indicator_values_import(file=upload(["vss-q4-2017", 1, "BHXH-01", "DEBT", "2,85", ""]))

    preview = indicator_values_import(
        file=upload(["vss-q4-2017", 1, "BHXH-01", "DEBT", "1.002,5", ""], ["vss-q4-2017", 1, "BHXH-31", "DEBT", 3, ""]),
        preview=True,
        apply_valid=False,
    )

    replaced, added = preview.rows
    assert [(c.label, c.before, c.after) for c in replaced.changes] == [("giá trị", "2,85", "1.002,5")]
    assert added.changes == []
