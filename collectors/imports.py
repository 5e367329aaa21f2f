"""Excel import of agents and staff, with their logins.

A row names an agent by code: a new code adds the agent, a known one updates
it. The organization, unit and locality are given by their codes. A username,
when given, becomes the agent's login: an existing account is linked (unless it
belongs to staff or to another agent), a new one is created with a random
initial password, shown once in the report of the applied import (never in the
preview). Rows are checked one by one; nothing is applied while any row is
wrong unless asked to apply the valid rows only.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collectors.models import Agent, Locality, ServiceOrganization, Unit
from collectors.signals import initial_password_given
from core.reach import Reach, acting_reach, reach_filter
from core.spreadsheets import Column, ImportReport, Row, changes_of, one_of, read_rows, shown_values, text

ROLE_CHOICES = [
    *Agent.Role.choices,
    (Agent.Role.AGENT, "Nhân viên thu"),
    (Agent.Role.STAFF, "Cán bộ"),
    (Agent.Role.STAFF, "Viên chức"),
    (Agent.Role.LEADER, "Lãnh đạo"),
]
YES_NO = [("yes", "Có"), ("no", "Không"), ("yes", "yes"), ("no", "no"), ("yes", "x")]

AGENT_COLUMNS = [
    Column("code", "Mã nhân viên", text),
    Column("full_name", "Họ và tên", text),
    Column("role", "Vai trò", one_of(ROLE_CHOICES), required=False, help="Nhân viên thu / Cán bộ / Lãnh đạo"),
    Column("organization", "Mã tổ chức dịch vụ thu", text, required=False),
    Column("unit", "Mã đơn vị BHXH", text, required=False),
    Column("locality", "Mã địa bàn", text, required=False),
    Column("phone", "Điện thoại", text, required=False),
    Column("username", "Tên đăng nhập", text, required=False),
    Column("active", "Đang hoạt động", one_of(YES_NO), required=False),
]

# Readable initial passwords: no 0/O, 1/l/I.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def initial_password(length: int = 12) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _by_code(model, codes) -> dict:
    return {obj.code: obj for obj in model.objects.filter(code__in={code for code in codes if code})}


def agents_import(
    *, file, by=None, apply_valid: bool = False, preview: bool = False, reach: Reach | None = None
) -> ImportReport:
    rows = read_rows(file, AGENT_COLUMNS)
    wanted = [row for row in rows if not row.errors]
    organizations = _by_code(ServiceOrganization, (row.values["organization"] for row in wanted))
    units = _by_code(Unit, (row.values["unit"] for row in wanted))
    localities = _by_code(Locality, (row.values["locality"] for row in wanted))
    agents = _by_code(Agent, (row.values["code"] for row in wanted))
    User = get_user_model()
    usernames = {row.values["username"] for row in wanted if row.values["username"]}
    users = {user.username: user for user in User.objects.filter(username__in=usernames).select_related("agent")}
    seen_codes: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}
    for row in wanted:
        _check(row, organizations, units, localities, agents, users, seen_codes, seen_usernames)
    _check_reach(wanted, acting_reach(by=by, reach=reach), organizations, units, agents)
    report = ImportReport(rows=rows)
    if report.error_rows and not apply_valid:
        return report
    if report.valid_rows:
        with transaction.atomic():
            for row in report.valid_rows:
                _apply(row, preview=preview)
        report.applied = True
    return report


# What an updating row may change, shown in the preview (before → after).
_SHOWN_FIELDS = ("full_name", "role", "organization", "unit", "locality", "phone", "active")


def _check(row: Row, organizations, units, localities, agents, users, seen_codes, seen_usernames) -> None:
    """Every problem of the row, and for a known agent what it would change."""
    values = row.values
    code = values["code"]
    if code in seen_codes:
        row.errors.append(_("Row %(row)s already gives this code.") % {"row": seen_codes[code]})
        return
    seen_codes[code] = row.number
    for key, known, message in (
        ("organization", organizations, _("No service organization has the code %(code)s.")),
        ("unit", units, _("No BHXH unit has the code %(code)s.")),
        ("locality", localities, _("No locality has the code %(code)s.")),
    ):
        if values[key] and values[key] not in known:
            row.errors.append(message % {"code": values[key]})
    existing = agents.get(code)
    before = shown_values(existing, _SHOWN_FIELDS) if existing else None
    agent = existing or Agent(code=code)
    agent.full_name = values["full_name"]
    agent.role = values["role"] or (existing.role if existing else Agent.Role.AGENT)
    agent.organization = organizations.get(values["organization"]) if values["organization"] else None
    agent.unit = units.get(values["unit"]) if values["unit"] else None
    if not existing or values["locality"]:
        agent.locality = localities.get(values["locality"]) if values["locality"] else None
    if values["phone"] is not None or not existing:
        agent.phone = values["phone"] or ""
    agent.active = values["active"] != "no"
    if before is not None:
        row.changes = changes_of(before, agent)
    if agent.organization is None and agent.unit is None and not (values["organization"] or values["unit"]):
        row.errors.append(_("Give a service organization or a BHXH unit."))
    try:
        agent.full_clean(exclude=["user", "organization", "unit", "locality"], validate_unique=False)
    except ValidationError as exc:
        row.errors.extend(exc.messages)
    if not row.errors:
        values["agent"] = agent
    username = values["username"]
    if not username:
        return
    if username in seen_usernames:
        row.errors.append(_("Row %(row)s already gives this username.") % {"row": seen_usernames[username]})
        return
    seen_usernames[username] = row.number
    user = users.get(username)
    if user is None:
        try:
            get_user_model().username_validator(username)
        except ValidationError as exc:
            row.errors.extend(exc.messages)
        return
    linked = getattr(user, "agent", None)
    if user.is_staff or user.is_superuser:
        row.errors.append(_("The username %(username)s belongs to a staff account.") % {"username": username})
    elif linked is not None and linked.code != code:
        row.errors.append(
            _("The username %(username)s is the login of agent %(code)s.") % {"username": username, "code": linked.code}
        )
    elif existing and existing.user_id and existing.user_id != user.pk:
        row.errors.append(_("The agent already has another login."))


def _apply(row: Row, *, preview: bool) -> None:
    values = row.values
    agent: Agent = values["agent"]
    created = agent.pk is None
    outcome = [_("added") if created else _("updated")]
    username = values["username"]
    if username and not (agent.user_id and agent.user.username == username):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            password = initial_password()
            user = User.objects.create_user(username=username, password=password, first_name=agent.full_name[:150])
            initial_password_given.send(sender=None, user=user)  # the agent chooses their own at first login
            if preview:
                outcome.append(_("login %(username)s created") % {"username": username})
            else:
                outcome.append(
                    _("login %(username)s created, initial password: %(password)s")
                    % {"username": username, "password": password}
                )
        else:
            outcome.append(_("login %(username)s linked") % {"username": username})
        agent.user = user
    agent.save()
    row.outcome = "; ".join(outcome)


def _check_reach(rows: list[Row], reach: Reach, organizations, units, agents) -> None:
    """A row naming an agent, an organization or a unit of an office out of ``reach`` is wrong (core.reach)."""
    if reach.everything:
        return
    reachable_agents = set(
        reach_filter(Agent.objects.filter(pk__in=[agent.pk for agent in agents.values()]), reach).values_list(
            "pk", flat=True
        )
    )
    for row in rows:
        values = row.values
        existing = agents.get(values["code"])
        if existing is not None and existing.pk not in reachable_agents:
            row.errors.append(_("The agent %(code)s works for another office.") % {"code": values["code"]})
        organization = organizations.get(values["organization"] or "")
        if organization is not None and not reach.allows_unit(organization.contracting_unit_id):
            row.errors.append(
                _("The service organization %(code)s works for another office.") % {"code": organization.code}
            )
        unit = units.get(values["unit"] or "")
        if unit is not None and not reach.allows_unit(unit.pk):
            row.errors.append(_("The BHXH unit %(code)s is outside the units you work for.") % {"code": unit.code})
