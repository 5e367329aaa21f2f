"""The columns of the collection software's export, and a row as the intake's item."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from core.spreadsheets import Column, Row, a_date, one_of, text, whole_number
from enrollments.choices import Gender, HouseholdCategory, Product
from enrollments.imports import personal_id_cell, social_insurance_code_cell

DATETIME_PATTERNS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)


def a_datetime(value: Any) -> datetime:
    """A receipt time: an Excel date and time, or text as dd/mm/yyyy [hh:mm[:ss]] or
    ISO 8601 (with or without an offset). Without an offset it is the campaign's
    local time, applied when the row becomes an item."""
    if isinstance(value, datetime):
        return value
    raw = text(value)
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        pass
    for pattern in DATETIME_PATTERNS:
        try:
            return datetime.strptime(raw, pattern)
        except ValueError:
            continue
    raise ValueError(_("is not a date and time (dd/mm/yyyy hh:mm)"))


def receipt_number(value: Any) -> str:
    number = text(value)
    if len(number) > 40:
        raise ValueError(_("is longer than 40 characters"))
    return number


COLUMNS = [
    Column("receipt_no", "Số biên lai", receipt_number),
    Column("receipt_at", "Ngày thu", a_datetime),
    Column("agent", "Mã nhân viên thu", text),
    Column("product", "Loại hình", one_of([*Product.choices, ("VSI", "BHXH tự nguyện"), ("HHI", "BHYT hộ gia đình")])),
    Column("personal_id", "Số CCCD", personal_id_cell),
    Column("full_name", "Họ và tên", text),
    Column("date_of_birth", "Ngày sinh", a_date),
    Column("gender", "Giới tính", one_of([*Gender.choices, ("male", "Nam"), ("female", "Nữ")])),
    Column("payment_months", "Số tháng đóng", whole_number),
    Column("declared_income", "Mức thu nhập", whole_number, required=False),
    Column("household_member_order", "Thứ tự thành viên", whole_number, required=False),
    Column("household_category", "Đối tượng hộ", one_of(HouseholdCategory.choices), required=False),
    Column("locality_code", "Mã địa bàn", text, required=False),
    Column("social_insurance_code", "Mã số BHXH", social_insurance_code_cell, required=False),
]

HEADERS = {column.key: column.header for column in COLUMNS}

EXAMPLE = [
    "BL-2019-000001",
    "25/01/2019 09:30",
    "NV001",
    "BHXH tự nguyện",
    "031090001234",
    "Nguyễn Văn An",
    "15/03/1990",
    "Nam",
    12,
    1500000,
    None,
    None,
    None,
    None,
]


def client_ref(receipt_no: str) -> str:
    """The client reference an imported receipt is stored under (unique per agent, as every one)."""
    return f"import:{receipt_no}"


def shape_errors(values: dict[str, Any]) -> list[str]:
    """The checks of the API's serializer that tie cells together, on the cells
    that could be read (a cell that could not is already an error of its own)."""
    errors = []
    product, income, order = values["product"], values["declared_income"], values["household_member_order"]
    if product == Product.VSI:
        if income is None:
            errors.append(_("A VSI enrollment needs a declared monthly income."))
        if order is not None:
            errors.append(_("Only HHI enrollments have a household member order."))
    elif product == Product.HHI:
        if order is None:
            errors.append(_("An HHI enrollment needs the member's order in the household."))
        if income is not None:
            errors.append(_("Only VSI enrollments have a declared income."))
    if income is not None and income < 0:
        errors.append(f"{HEADERS['declared_income']}: {_('must not be negative')}")
    if order is not None and not 1 <= order <= 99:
        errors.append(f"{HEADERS['household_member_order']}: {_('must be between 1 and 99')}")
    if values["payment_months"] is not None and not 1 <= values["payment_months"] <= 12:
        errors.append(f"{HEADERS['payment_months']}: {_('must be between 1 and 12')}")
    return errors


def row_item(row: Row, tz: ZoneInfo) -> dict[str, Any]:
    """The intake item of a row whose cells were all read and checked (``shape_errors``),
    shaped as the API shapes a submission."""
    values = row.values
    product = values["product"]
    order = values["household_member_order"]
    receipt_at = values["receipt_at"]
    if receipt_at.tzinfo is None:
        receipt_at = receipt_at.replace(tzinfo=tz)
    return {
        "client_ref": client_ref(values["receipt_no"]),
        "product": product,
        "participant": {
            "personal_id": values["personal_id"],
            "social_insurance_code": values["social_insurance_code"] or "",
            "full_name": values["full_name"],
            "date_of_birth": values["date_of_birth"],
            "gender": values["gender"],
            "household_category": values["household_category"] or HouseholdCategory.OTHER,
            "locality_code": values["locality_code"] or "",
        },
        "receipt_at": receipt_at,
        "payment_months": values["payment_months"],
        "declared_income": values["declared_income"],
        "household_member_order": order,
        "receipt_no": values["receipt_no"],
    }
