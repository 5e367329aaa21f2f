"""Agents and their logins imported from Excel, previewed, then applied."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import authenticate, get_user_model

from accounts.models import PasswordState
from collectors.imports import agents_import
from collectors.models import Agent
from tests.factories import AgentFactory, DistrictFactory, ServiceOrganizationFactory, UnitFactory, UserFactory
from tests.spreadsheets import upload as spreadsheet

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/collectors/agent/"
HEADERS = [
    "Mã nhân viên",
    "Họ và tên",
    "Vai trò",
    "Mã tổ chức dịch vụ thu",
    "Mã đơn vị BHXH",
    "Mã địa bàn",
    "Điện thoại",
    "Tên đăng nhập",
    "Đang hoạt động",
]


def upload(*rows):
    return spreadsheet(rows, headers=HEADERS, name="nhan-vien-thu.xlsx")


@pytest.fixture
def places():
    return {
        "post_office": ServiceOrganizationFactory(code="BD-49", kind="post_office"),
        "unit": UnitFactory(code="BHXH-49"),
        "tam_ky": DistrictFactory(code="502"),
    }


def test_new_agents_are_added_with_logins_that_work(places):
    report = agents_import(
        file=upload(
            ["QN-001", "Nguyễn Thị Thu Hà", "Nhân viên thu", "BD-49", "", "502", "0905123456", "qn-001", "Có"],
            ["QN-002", "Trần Văn Minh", "Lãnh đạo", "", "BHXH-49", "", "", "", ""],
        )
    )

    assert report.applied and not report.error_rows
    ha, minh = Agent.objects.order_by("code")
    assert (ha.full_name, ha.role, ha.organization, ha.locality, ha.phone) == (
        "Nguyễn Thị Thu Hà",
        "agent",
        places["post_office"],
        places["tam_ky"],
        "0905123456",
    )
    assert (minh.role, minh.unit, minh.user) == ("leader", places["unit"], None)
    password = re.search(r": (\S{12})$", report.rows[0].outcome).group(1)
    user = authenticate(username="qn-001", password=password)
    assert user == ha.user
    assert not user.is_staff
    # The password was made for them: they choose their own at first login.
    assert PasswordState.objects.get(user=user).must_change


def test_a_known_code_updates_the_agent_and_links_an_existing_plain_account(places):
    agent = AgentFactory(code="QN-001", full_name="Tên cũ", organization=places["post_office"])
    account = UserFactory(username="ha.nguyen")
    report = agents_import(file=upload(["QN-001", "Nguyễn Thị Thu Hà", "", "BD-49", "", "", "", "ha.nguyen", "Không"]))
    agent.refresh_from_db()
    assert report.applied
    assert (agent.full_name, agent.user, agent.active) == ("Nguyễn Thị Thu Hà", account, False)
    assert Agent.objects.count() == 1


def test_every_bad_row_is_reported_and_nothing_is_applied(places):
    UserFactory(username="admin-hn", is_staff=True)
    AgentFactory(code="OTHER", organization=places["post_office"], user=UserFactory(username="taken"))
    report = agents_import(
        file=upload(
            ["QN-001", "Đúng", "Nhân viên thu", "BD-49", "", "", "", "", ""],
            ["QN-002", "Không có nơi làm", "Nhân viên thu", "", "", "", "", "", ""],
            ["QN-003", "Tổ chức lạ", "Nhân viên thu", "BD-99", "", "", "", "", ""],
            ["QN-004", "Vai trò lạ", "Giám đốc", "BD-49", "", "", "", "", ""],
            ["QN-005", "Tài khoản cán bộ", "", "BD-49", "", "", "", "admin-hn", ""],
            ["QN-006", "Tài khoản người khác", "", "BD-49", "", "", "", "taken", ""],
            ["QN-001", "Trùng mã", "", "BD-49", "", "", "", "", ""],
            ["QN 008", "Mã có dấu cách", "", "BD-49", "", "", "", "", ""],
        )
    )
    assert not report.applied
    assert [row.number for row in report.error_rows] == [3, 4, 5, 6, 7, 8, 9]
    assert not Agent.objects.filter(code__startswith="QN").exists()


def test_the_admin_previews_without_creating_logins_then_applies(client, campaign_manager, places):
    client.force_login(campaign_manager)
    url = f"{CHANGELIST}import/agents/"
    assert url.encode() in client.get(CHANGELIST).content

    preview = client.post(url, {"file": upload(["QN-001", "Nguyễn Thị Thu Hà", "", "BD-49", "", "", "", "qn-001", ""])})
    assert preview.context["preview"] is True
    assert not re.search(r": \S{12}$", preview.context["report"].rows[0].outcome)  # no password in a preview
    assert not get_user_model().objects.filter(username="qn-001").exists()

    applied = client.post(url, {"token": preview.context["token"]})
    assert applied.context["report"].applied
    assert Agent.objects.get(code="QN-001").user.username == "qn-001"
    password = re.search(r": (\S{12})$", applied.context["report"].rows[0].outcome).group(1)
    assert authenticate(username="qn-001", password=password) is not None


def test_a_reviewer_cannot_import_agents(client, reviewer):
    client.force_login(reviewer)
    assert client.get(f"{CHANGELIST}import/agents/").status_code == 403


def test_a_row_reports_every_one_of_its_problems_at_once(places):
    UserFactory(username="can-bo", is_staff=True)

    report = agents_import(file=upload(["QN-001", "Nguyễn Thị Thu Hà", "", "BD-00", "", "999", "", "can-bo", ""]))

    (row,) = report.error_rows
    assert row.errors == [
        "Không có tổ chức dịch vụ thu nào mã BD-00.",
        "Không có địa bàn nào mã 999.",
        "Tên đăng nhập can-bo là tài khoản cán bộ.",
    ]


def test_the_preview_of_an_update_shows_the_values_that_would_change(client, campaign_manager, places):
    AgentFactory(code="QN-001", full_name="Nguyễn Thị Hà", organization=places["post_office"], unit=None, phone="0905")
    client.force_login(campaign_manager)

    preview = client.post(
        f"{CHANGELIST}import/agents/",
        {"file": upload(["QN-001", "Nguyễn Thị Thu Hà", "", "", "BHXH-49", "", "0905", "", ""])},
    )

    (row,) = preview.context["report"].rows
    assert [(c.label, c.before, c.after) for c in row.changes] == [
        ("họ và tên", "Nguyễn Thị Hà", "Nguyễn Thị Thu Hà"),
        ("tổ chức dịch vụ thu", str(places["post_office"]), ""),
        ("Cơ quan BHXH", "", str(places["unit"])),
    ]
    page = preview.content.decode()
    assert "<del>Nguyễn Thị Hà</del> → <ins>Nguyễn Thị Thu Hà</ins>" in page
    assert Agent.objects.get(code="QN-001").full_name == "Nguyễn Thị Hà"  # nothing applied yet
