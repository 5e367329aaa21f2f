"""Reference values of DESIGN §6, shipped as initial data (staff may add later ones)."""

from datetime import date
from decimal import Decimal

from django.db import migrations

SUPPORT_CATEGORIES = ["poor", "near_poor", "island_commune", "ethnic_minority", "other"]

PARAMETERS = [
    ("base_salary", "", date(2016, 5, 1), "1210000", "Nghị định 47/2016/NĐ-CP"),
    ("base_salary", "", date(2017, 7, 1), "1300000", "Nghị định 47/2017/NĐ-CP"),
    ("base_salary", "", date(2018, 7, 1), "1390000", "Nghị định 72/2018/NĐ-CP"),
    ("base_salary", "", date(2019, 7, 1), "1490000", "Nghị định 38/2019/NĐ-CP"),
    ("base_salary", "", date(2023, 7, 1), "1800000", "Nghị định 24/2023/NĐ-CP"),
    ("base_salary", "", date(2024, 7, 1), "2340000", "Nghị định 73/2024/NĐ-CP"),
    ("rural_poverty_line", "", date(2016, 1, 1), "700000", "Quyết định 59/2015/QĐ-TTg"),
    ("rural_poverty_line", "", date(2022, 1, 1), "1500000", "Nghị định 07/2021/NĐ-CP"),
    ("vsi_rate", "", date(2016, 1, 1), "22", "Luật Bảo hiểm xã hội 2014"),
    ("hhi_rate", "", date(2016, 1, 1), "4.5", "Nghị định 146/2018/NĐ-CP"),
    # State support for VSI, in force from 2018-01-01 (Nghị định 134/2015/NĐ-CP).
    ("vsi_support_rate", "poor", date(2018, 1, 1), "30", "Nghị định 134/2015/NĐ-CP"),
    ("vsi_support_rate", "near_poor", date(2018, 1, 1), "25", "Nghị định 134/2015/NĐ-CP"),
    ("vsi_support_rate", "island_commune", date(2018, 1, 1), "10", "Nghị định 134/2015/NĐ-CP"),
    ("vsi_support_rate", "ethnic_minority", date(2018, 1, 1), "10", "Nghị định 134/2015/NĐ-CP"),
    ("vsi_support_rate", "other", date(2018, 1, 1), "10", "Nghị định 134/2015/NĐ-CP"),
    # From 2025-07-01 (Luật Bảo hiểm xã hội 2024, Nghị định 159/2025/NĐ-CP).
    ("vsi_support_rate", "poor", date(2025, 7, 1), "50", "Nghị định 159/2025/NĐ-CP"),
    ("vsi_support_rate", "island_commune", date(2025, 7, 1), "50", "Nghị định 159/2025/NĐ-CP"),
    ("vsi_support_rate", "near_poor", date(2025, 7, 1), "40", "Nghị định 159/2025/NĐ-CP"),
    ("vsi_support_rate", "ethnic_minority", date(2025, 7, 1), "30", "Nghị định 159/2025/NĐ-CP"),
    ("vsi_support_rate", "other", date(2025, 7, 1), "20", "Nghị định 159/2025/NĐ-CP"),
]


def forwards(apps, schema_editor):
    Parameter = apps.get_model("enrollments", "Parameter")
    for kind, category, effective_from, value, basis in PARAMETERS:
        Parameter.objects.update_or_create(
            kind=kind,
            household_category=category,
            effective_from=effective_from,
            defaults={"value": Decimal(value), "legal_basis": basis},
        )


def backwards(apps, schema_editor):
    Parameter = apps.get_model("enrollments", "Parameter")
    for kind, category, effective_from, _value, _basis in PARAMETERS:
        Parameter.objects.filter(kind=kind, household_category=category, effective_from=effective_from).delete()


class Migration(migrations.Migration):
    dependencies = [("enrollments", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
