"""A user's reach (collectors.selectors.user_reach): the unit they work for and every unit
below it; everything for Vietnam Social Security's staff and superusers; nothing without a unit."""

from __future__ import annotations

import pytest

from collectors.models import Unit
from collectors.selectors import unit_ancestor_ids, unit_subtree_ids, user_reach
from core.reach import ALL, NOTHING, Reach
from tests.factories import UnitFactory, UserFactory, assign_unit, vss_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """VSS → Quảng Nam → Tam Kỳ → its collection department; VSS → Tây Ninh."""
    vss = vss_unit()
    quang_nam = UnitFactory(code="BHXH-49", parent=vss)
    tam_ky = UnitFactory(code="BHXH-49-502", kind=Unit.Kind.DISTRICT, parent=quang_nam)
    department = UnitFactory(code="BHXH-49-502-THU", kind=Unit.Kind.DEPARTMENT, parent=tam_ky)
    tay_ninh = UnitFactory(code="BHXH-72", parent=vss)
    return {"vss": vss, "quang_nam": quang_nam, "tam_ky": tam_ky, "department": department, "tay_ninh": tay_ninh}


def staff_of(unit):
    user = UserFactory(is_staff=True)
    if unit is not None:
        assign_unit(user, unit)
    return user


def test_a_provincial_office_reaches_itself_and_every_unit_below_it(tree):
    reach = user_reach(staff_of(tree["quang_nam"]))

    assert reach == Reach.units([tree["quang_nam"].pk, tree["tam_ky"].pk, tree["department"].pk])


def test_a_district_office_does_not_reach_its_province(tree):
    reach = user_reach(staff_of(tree["tam_ky"]))

    assert reach == Reach.units([tree["tam_ky"].pk, tree["department"].pk])
    assert not reach.allows_unit(tree["quang_nam"].pk)


def test_vietnam_social_security_reaches_everything(tree):
    assert user_reach(staff_of(tree["vss"])) is ALL


def test_a_national_unit_below_another_is_not_the_root(tree):
    nested = UnitFactory(code="VSS-2", kind=Unit.Kind.NATIONAL, parent=tree["tay_ninh"])

    assert user_reach(staff_of(nested)) == Reach.units([nested.pk])


def test_staff_without_a_unit_reach_nothing(tree):
    assert user_reach(staff_of(None)) is NOTHING


def test_a_superuser_reaches_everything_without_a_unit(django_user_model):
    assert user_reach(django_user_model.objects.create_superuser("root", "r@example.vn", "x")) is ALL


def test_an_inactive_user_reaches_nothing(tree):
    user = staff_of(tree["quang_nam"])
    user.is_active = False

    assert user_reach(user) is NOTHING


def test_the_reach_is_computed_once_per_user_object(tree, django_assert_num_queries):
    user = staff_of(tree["quang_nam"])
    with django_assert_num_queries(2):  # the assignment, then the units below it
        first = user_reach(user)
    with django_assert_num_queries(0):
        assert user_reach(user) is first


def test_a_units_subtree_and_ancestors(tree):
    assert unit_subtree_ids([tree["tam_ky"].pk, tree["tay_ninh"].pk]) == {
        tree["tam_ky"].pk,
        tree["department"].pk,
        tree["tay_ninh"].pk,
    }
    assert unit_ancestor_ids(tree["department"].pk) == [
        tree["department"].pk,
        tree["tam_ky"].pk,
        tree["quang_nam"].pk,
        tree["vss"].pk,
    ]
