"""A living demo: the Quảng Nam 2024 campaign (DESIGN §3.1) re-dated so that
its second phase is open today, with service organizations, sixty agents who
can log in, and a few thousand synthetic enrollments that obey the domain rules.

Everything is keyed on natural keys (codes, usernames, personal IDs, the
agent's client reference), and the synthetic data is drawn day by day from one
seeded generator, so loading the demo again adds nothing (and, on a later day,
adds only the days since).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Least
from django.utils import timezone

from campaigns.membership import campaign_members
from campaigns.models import Campaign, Cluster, Phase, PhaseTransition, PlanTarget
from collectors.models import Agent, Locality, ServiceOrganization, Unit
from enrollments.choices import EnrollmentStatus, Gender, HouseholdCategory, NotCountedReason, Product
from enrollments.contributions import ParameterTable, contribution_quote
from enrollments.counting import coverage_end
from enrollments.identity import make_personal_id
from enrollments.models import CoveragePeriod, Enrollment, EnrollmentTransition, Parameter, Participant

DEMO_CAMPAIGN_CODE = "quang-nam-2024-demo"
EXAMPLE_DEFINITION = Path(settings.BASE_DIR) / "examples" / "campaigns" / "quang-nam-2024.yaml"
DEFAULT_SEED = 2024
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"  # noqa: S105 - the demo's documented login
AGENT_PASSWORD = "demo"  # noqa: S105 - the demo's documented login
# The post office's manager: sees their organization's agents and numbers (password AGENT_PASSWORD).
MANAGER_USERNAME = "quanly-buudien"
# Each cluster's plan per phase: this many new participants for each of its agents.
PLAN_PER_AGENT = 25
AGENT_COUNT = 60
PROVINCE_OF_BIRTH = "049"  # Quảng Nam
BATCH_SIZE = 500

# --- Organizations (the example campaign brings the localities, the provincial office and the post office)

# District codes of the national list, as in the example campaign.
MOUNTAIN_DISTRICTS = {"504", "505", "510", "511", "515", "516"}  # fewer recruits, more ethnic-minority households
ISLAND_DISTRICTS = {"503", "517"}  # Tân Hiệp (Cù Lao Chàm), Tam Hải
POST_OFFICE = ("BD-49", "Bưu điện tỉnh Quảng Nam", ServiceOrganization.Kind.POST_OFFICE, "49")
OTHER_AGENTS = [
    ("DVT-49-PHOHOI", "Công ty TNHH Dịch vụ Thu hộ Phố Hội", ServiceOrganization.Kind.OTHER_AGENT, "503"),
    ("DVT-49-SONGTHU", "Hợp tác xã Dịch vụ Tổng hợp Sông Thu", ServiceOrganization.Kind.OTHER_AGENT, "506"),
]

# How many of the sixty agents work in each cluster (by number), the rest going to the last one.
AGENTS_PER_CLUSTER = {1: 30, 2: 16}
STAR_AGENTS = 4  # cluster-1 agents who reach the 90 quota in phase 1

FAMILY_NAMES = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Võ", "Đặng", "Bùi",
    "Đỗ", "Hồ", "Ngô", "Dương", "Trương", "Đoàn", "Lương", "Mai", "Tạ", "Châu",
]  # fmt: skip
MIDDLE_NAMES = {
    Gender.MALE: ["Văn", "Hữu", "Đức", "Minh", "Công", "Quang", "Thanh", "Ngọc", "Xuân", "Tấn"],
    Gender.FEMALE: ["Thị", "Thị", "Ngọc", "Thu", "Kim", "Thanh", "Mỹ", "Hồng", "Bích", "Diệu"],
}
GIVEN_NAMES = {
    Gender.MALE: [
        "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Khoa", "Long", "Lộc", "Nam",
        "Phúc", "Quân", "Quang", "Sơn", "Tài", "Thắng", "Thịnh", "Trung", "Tuấn", "Vinh", "Việt", "Vũ",
    ],
    Gender.FEMALE: [
        "Anh", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai",
        "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Sương", "Thảo", "Trang", "Uyên", "Vy", "Yến",
    ],
}  # fmt: skip
REJECTION_REASONS = [
    "Họ tên không khớp với Cơ sở dữ liệu quốc gia về dân cư.",
    "Ngày sinh trên tờ khai khác với CCCD.",
    "Thiếu chữ ký của người tham gia trên tờ khai TK1-TS.",
    "Biên lai thu tiền không hợp lệ.",
]

# The mix of receipts (each a probability per receipt).
HHI_SHARE = 0.08  # household health insurance receipts among all
NOT_NEW_SHARE = 0.07  # VSI participants covered within the gap: recorded, not counted
REJOINED_SHARE = 0.04  # VSI participants whose coverage ended long ago: new again
DUPLICATE_SHARE = 0.012  # VSI receipts for someone another agent already counted
VSI_MONTHS = [(1, 15), (3, 30), (6, 30), (12, 25)]
HHI_MONTHS = [(3, 15), (6, 25), (12, 60)]
INCOME_MULTIPLES = [1.0] * 7 + [1.2, 1.5, 2.0, 2.5, 3.0, 4.0]
WEEKDAY_FACTOR = [1.1, 1.1, 1.1, 1.1, 1.1, 0.7, 0.3]  # Monday … Sunday
WORKDAY_START, WORKDAY_MINUTES = time(7, 30), 10 * 60
REVIEW_DELAY = timedelta(hours=20)
PHASE_2_REVIEWED_AFTER = timedelta(days=30)  # phase-2 receipts older than this may be confirmed


class DemoError(Exception):
    """The demo cannot be loaded (e.g. the example campaign definition is missing or invalid)."""

    def __init__(self, message: str, errors: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)


@dataclass
class DemoSummary:
    campaign: Campaign
    campaign_created: bool
    today: date
    created: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    phases: list[Phase] = field(default_factory=list)
    agents_per_cluster: dict[str, int] = field(default_factory=dict)
    counted_per_phase: dict[int, int] = field(default_factory=dict)
    phase_1_quota: int | None = None  # the quota of cluster 1 in phase 1
    quota_reached_in_phase_1: int = 0  # cluster-1 agents who reached it


# Every model the demo writes to, for the created/total counts of the summary.
TRACKED_MODELS: list[type[models.Model]] = [
    Locality,
    Unit,
    ServiceOrganization,
    Agent,
    Campaign,
    Phase,
    PhaseTransition,
    PlanTarget,
    Participant,
    CoveragePeriod,
    Enrollment,
    EnrollmentTransition,
]


def _table_counts() -> dict[str, int]:
    counts = {model._meta.label: model.objects.count() for model in TRACKED_MODELS}
    counts["auth.User"] = get_user_model().objects.count()
    return counts


@transaction.atomic
def demo_load(
    *, today: date | None = None, seed: int = DEFAULT_SEED, definition_path: Path | None = None
) -> DemoSummary:
    """Load (or top up) the demo campaign and return what it holds.

    ``today`` is the campaign's local date the demo is built around (default:
    today in Asia/Ho_Chi_Minh); phase 2 contains it when the campaign is first
    created. Enrollments are generated for every day before ``today``.
    """
    before = _table_counts()
    admin = _admin_user()
    campaign, created = _campaign(today=today, definition_path=definition_path or EXAMPLE_DEFINITION)
    organizations = _organizations(campaign)
    tz = campaign.tzinfo
    today = today or timezone.localdate(timezone=tz)
    if created:
        _set_statuses(campaign=campaign, today=today, by=admin)
    clusters = list(campaign.clusters.prefetch_related("localities").order_by("number"))
    agents = _agents(clusters=clusters, organizations=organizations, seed=seed)
    _manager(organizations[0])
    _cluster_plans(campaign)
    _enrollments(campaign=campaign, agents=agents, today=today, seed=seed, reviewer=admin)

    after = _table_counts()
    summary = DemoSummary(
        campaign=campaign,
        campaign_created=created,
        today=today,
        created={label: after[label] - before[label] for label in after},
        totals=after,
        phases=list(campaign.phases.order_by("number")),
    )
    _fill_statistics(summary, agents)
    return summary


# --- Users and organizations ------------------------------------------------------------


def _admin_user():
    User = get_user_model()
    user = User.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        user = User.objects.create_superuser(ADMIN_USERNAME, "admin@example.vn", ADMIN_PASSWORD)
    return user


def _manager(organization: ServiceOrganization) -> None:
    """A login for the manager of the post office, who reads its own numbers on the pages."""
    User = get_user_model()
    user = User.objects.filter(username=MANAGER_USERNAME).first()
    if user is None:
        user = User.objects.create_user(
            MANAGER_USERNAME, f"{MANAGER_USERNAME}@example.vn", AGENT_PASSWORD, first_name="Quản lý Bưu điện"
        )
    organization.managers.add(user)


def _cluster_plans(campaign: Campaign) -> None:
    """Plans per cluster and phase, so the overview shows progress against plan (kept if already set)."""
    if PlanTarget.objects.filter(campaign=campaign, scope=PlanTarget.Scope.CLUSTER).exists():
        return
    membership = campaign_members(campaign=campaign)
    sizes: dict[int, int] = {}
    for cluster_id in membership.values():
        if cluster_id is not None:
            sizes[cluster_id] = sizes.get(cluster_id, 0) + 1
    PlanTarget.objects.bulk_create(
        [
            PlanTarget(
                campaign=campaign,
                scope=PlanTarget.Scope.CLUSTER,
                cluster_id=cluster_id,
                phase=phase,
                target=size * PLAN_PER_AGENT,
            )
            for cluster_id, size in sorted(sizes.items())
            for phase in campaign.phases.order_by("number")
        ]
    )


def _organizations(campaign: Campaign) -> list[ServiceOrganization]:
    """The post office (from the example campaign, or made here) and two other agent organizations,
    all under contract with the campaign's organizer."""
    organizations = []
    for code, name, kind, locality_code in [POST_OFFICE, *OTHER_AGENTS]:
        organization = ServiceOrganization.objects.filter(code=code).first()
        if organization is None:
            organization = ServiceOrganization(
                code=code,
                name=name,
                kind=kind,
                contracting_unit=campaign.organizer,
                locality=Locality.objects.filter(code=locality_code).first(),
            )
            organization.full_clean()
            organization.save()
        organizations.append(organization)
    return organizations


# --- The campaign -------------------------------------------------------------------------------


def _campaign(*, today: date | None, definition_path: Path) -> tuple[Campaign, bool]:
    existing = Campaign.objects.filter(code=DEMO_CAMPAIGN_CODE).first()
    if existing is not None:
        # Re-importing would replace a campaign that already has enrollments: reuse it as it is.
        return existing, False

    from campaigns.definition import DefinitionError, campaign_import, parse_definition

    try:
        text = definition_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DemoError(f"Cannot read the example campaign {definition_path}: {exc}") from exc
    try:
        definition = parse_definition(text)
    except DefinitionError as exc:
        raise DemoError(f"The example campaign {definition_path} is not valid.", exc.errors) from exc
    time_zone = definition.get("campaign", {}).get("time_zone") or "Asia/Ho_Chi_Minh"
    definition = demo_definition(definition, today=today or timezone.localdate(timezone=ZoneInfo(time_zone)))
    try:
        campaign = campaign_import(definition=definition, replace=False)
    except DefinitionError as exc:
        raise DemoError(f"The example campaign {definition_path} could not be imported.", exc.errors) from exc
    return campaign, True


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.fromisoformat(text).date()


def _shifted(value: Any, days: int) -> Any:
    """A phase boundary moved by ``days``, keeping its type (date, datetime or ISO text)."""
    if isinstance(value, date):  # datetime is a date too
        return value + timedelta(days=days)
    text = str(value).strip()
    try:
        return (date.fromisoformat(text) + timedelta(days=days)).isoformat()
    except ValueError:
        return (datetime.fromisoformat(text) + timedelta(days=days)).isoformat()


def demo_definition(definition: dict[str, Any], *, today: date) -> dict[str, Any]:
    """The example definition under the demo's code and name, every phase moved by
    the same number of days so that phase 2 contains ``today`` (about half way in)."""
    numbered = [{"number": index + 1, **phase} for index, phase in enumerate(definition["phases"])]
    second = next((phase for phase in numbered if phase["number"] == 2), None)
    if second is None:
        raise DemoError("The example campaign has no phase 2.")
    second_start = _as_date(second["start"])
    if "end" in second and second["end"] is not None:
        second_last = _as_date(second["end"])
    else:
        second_last = _as_date(second["cutoff"]) - timedelta(days=1)
    days_in_phase = (second_last - second_start).days + 1
    shift = (today - timedelta(days=days_in_phase // 2) - second_start).days

    campaign = dict(definition["campaign"])
    campaign["code"] = DEMO_CAMPAIGN_CODE
    if not str(campaign.get("name", "")).endswith(" (demo)"):
        campaign["name"] = f"{campaign.get('name', 'Quảng Nam')} (demo)"
    moved = []
    for phase in definition["phases"]:
        phase = dict(phase)
        for key in ("start", "end", "cutoff"):
            if phase.get(key) is not None:
                phase[key] = _shifted(phase[key], shift)
        moved.append(phase)
    return {**definition, "campaign": campaign, "phases": moved}


def _set_statuses(*, campaign: Campaign, today: date, by) -> None:
    """Phases before today's are closed, today's is open, later ones scheduled; the campaign runs."""
    tz = campaign.tzinfo
    now = timezone.now()
    moment = min(now, datetime.combine(today, time(12), tzinfo=tz))
    history: list[tuple[PhaseTransition, datetime]] = []
    for phase in campaign.phases.order_by("number"):
        if phase.cutoff + phase.grace <= moment:
            steps = [(Phase.Status.OPEN, phase.start), (Phase.Status.CLOSED, phase.cutoff + phase.grace)]
            phase.closed_at = phase.cutoff + phase.grace
        elif phase.start <= moment:
            steps = [(Phase.Status.OPEN, phase.start)]
        else:
            steps = []
        previous = phase.status
        for status, at in steps:
            if status == previous:
                continue
            transition = PhaseTransition(phase=phase, from_status=previous, to_status=status, by=by)
            transition.reason = "Mở đợt theo kế hoạch." if status == Phase.Status.OPEN else "Hết hạn nhận hồ sơ."
            history.append((transition, at))
            previous = status
        if previous != phase.status:
            phase.status = previous
            phase.save(update_fields=["status", "closed_at"])
    PhaseTransition.objects.bulk_create([transition for transition, _ in history])
    for transition, at in history:
        # ``at`` is stamped on insert; the demo's history happened at the phase boundaries.
        PhaseTransition.objects.filter(pk=transition.pk).update(at=at)
    if campaign.status != Campaign.Status.RUNNING:
        campaign.status = Campaign.Status.RUNNING
        campaign.save(update_fields=["status", "updated_at"])


# --- Agents -------------------------------------------------------------------------------------


def _person_name(rng: random.Random, gender: str) -> tuple[str, str, str]:
    return rng.choice(FAMILY_NAMES), rng.choice(MIDDLE_NAMES[gender]), rng.choice(GIVEN_NAMES[gender])


def _cluster_districts(clusters: list[Cluster]) -> dict[int, list[Locality]]:
    """The districts each cluster's agents may serve: the cluster's own localities,
    a province among them standing for its districts."""
    result = {}
    for cluster in clusters:
        districts = []
        for locality in sorted(cluster.localities.all(), key=lambda loc: loc.code):
            if locality.level == Locality.Level.PROVINCE:
                districts.extend(locality.children.filter(level=Locality.Level.DISTRICT).order_by("code"))
            else:
                districts.append(locality)
        if not districts:
            raise DemoError(f"Cluster {cluster.number} of the demo campaign lists no localities for its agents.")
        result[cluster.number] = districts
    return result


@dataclass
class DemoAgent:
    agent: Agent
    cluster: int
    rate: float  # receipts per working day
    vsi_only: bool  # the best recruiters specialise in new VSI participants


@dataclass
class _AgentPlan:
    code: str
    family: str
    middle: str
    given: str
    organization: ServiceOrganization
    locality: Locality
    phone: str
    cluster: int
    rate: float
    star: bool


def _agents(
    *,
    clusters: list[Cluster],
    organizations: list[ServiceOrganization],
    seed: int,
) -> list[DemoAgent]:
    rng = random.Random(f"{seed}:agents")  # noqa: S311 - synthetic demo data, not secrets
    if not clusters:
        raise DemoError("The demo campaign has no clusters.")
    districts = _cluster_districts(clusters)
    numbers = [cluster.number for cluster in clusters]
    per_cluster = [AGENTS_PER_CLUSTER.get(n, 0) for n in numbers[:-1]]
    per_cluster.append(AGENT_COUNT - sum(per_cluster))
    post_office, *others = organizations

    plans = []
    index = 0
    for cluster_position, (number, count) in enumerate(zip(numbers, per_cluster, strict=True)):
        stars = set(rng.sample(range(count), STAR_AGENTS)) if cluster_position == 0 else set()
        for position in range(count):
            index += 1
            gender = rng.choice([Gender.MALE, Gender.FEMALE, Gender.FEMALE])
            family, middle, given = _person_name(rng, gender)
            locality = districts[number][position % len(districts[number])]
            organization = post_office if position % 3 != 2 else others[min(cluster_position, len(others) - 1)]
            if position in stars:
                rate = rng.uniform(1.65, 1.9)
            else:
                tier = rng.random()
                if tier < 0.2:
                    rate = rng.uniform(0.65, 0.95)
                elif tier < 0.7:
                    rate = rng.uniform(0.3, 0.6)
                else:
                    rate = rng.uniform(0.08, 0.25)
                if locality.code in MOUNTAIN_DISTRICTS:
                    rate *= 0.7
            phone = f"09{rng.randrange(10**8):08d}"
            plans.append(
                _AgentPlan(
                    f"agent{index:02d}",
                    family,
                    middle,
                    given,
                    organization,
                    locality,
                    phone,
                    number,
                    rate,
                    position in stars,
                )
            )

    User = get_user_model()
    usernames = [plan.code for plan in plans]
    existing_users = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    missing_users = [plan for plan in plans if plan.code not in existing_users]
    if missing_users:
        password = make_password(AGENT_PASSWORD)  # hashed once: sixty hashes would take most of a minute
        User.objects.bulk_create(
            [
                User(
                    username=plan.code,
                    password=password,
                    first_name=plan.given,
                    last_name=f"{plan.family} {plan.middle}",
                    email=f"{plan.code}@example.vn",
                )
                for plan in missing_users
            ],
            batch_size=BATCH_SIZE,
        )
    users = {user.username: user for user in User.objects.filter(username__in=usernames)}

    existing_agents = {agent.code: agent for agent in Agent.objects.filter(code__in=usernames)}
    linked = set(Agent.objects.filter(user__in=users.values()).values_list("user_id", flat=True))
    new_agents = []
    for plan in plans:
        if plan.code in existing_agents:
            continue
        user = users[plan.code]
        agent = Agent(
            code=plan.code,
            full_name=f"{plan.family} {plan.middle} {plan.given}",
            organization=plan.organization,
            role=Agent.Role.AGENT,
            locality=plan.locality,
            user=user if user.pk not in linked else None,
            phone=plan.phone,
        )
        agent.full_clean(validate_unique=False, validate_constraints=False)
        new_agents.append(agent)
    Agent.objects.bulk_create(new_agents, batch_size=BATCH_SIZE)
    # An agent left without a login (e.g. its user was deleted) gets its user back when that is free.
    linked = set(Agent.objects.filter(user__in=users.values()).values_list("user_id", flat=True))
    for agent in Agent.objects.filter(code__in=usernames, user__isnull=True):
        if users[agent.code].pk not in linked:
            agent.user = users[agent.code]
            agent.save(update_fields=["user"])

    agents = {agent.code: agent for agent in Agent.objects.filter(code__in=usernames).select_related("locality")}
    return [
        DemoAgent(agent=agents[plan.code], cluster=plan.cluster, rate=plan.rate, vsi_only=plan.star) for plan in plans
    ]


# --- Enrollments --------------------------------------------------------------------------------


def _weighted(rng: random.Random, options: list[tuple[Any, float]]) -> Any:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _days(start: date, stop: date) -> Iterator[date]:
    day = start
    while day < stop:
        yield day
        day += timedelta(days=1)


def _household_category(rng: random.Random, district_code: str) -> str:
    if district_code in MOUNTAIN_DISTRICTS:
        options = [
            (HouseholdCategory.ETHNIC_MINORITY, 30),
            (HouseholdCategory.POOR, 15),
            (HouseholdCategory.NEAR_POOR, 10),
            (HouseholdCategory.OTHER, 45),
        ]
    else:
        options = [(HouseholdCategory.POOR, 5), (HouseholdCategory.NEAR_POOR, 7), (HouseholdCategory.OTHER, 86)]
        if district_code in ISLAND_DISTRICTS:
            options.append((HouseholdCategory.ISLAND_COMMUNE, 4))
    return _weighted(rng, options)


@dataclass
class _Receipt:
    agent: Agent
    seq: int
    product: str
    participant_key: str
    receipt_at: datetime
    submitted_at: datetime
    phase: Phase
    payment_months: int
    coverage_start: date
    declared_income: int | None
    household_member_order: int | None
    household_category: str
    amount_due: int
    state_support: int
    status: str
    status_reason: str
    counted: bool
    not_counted_reason: str
    duplicate_of: tuple[int, str] | None = None  # (agent id, client_ref)

    @property
    def client_ref(self) -> str:
        return f"demo-{self.seq:05d}"

    @property
    def key(self) -> tuple[int, str]:
        return (self.agent.pk, self.client_ref)


def _status(rng: random.Random, *, open_phase: bool, day: date, today: date) -> str:
    """Closed phases are reviewed; in the open one, only older receipts have been.

    Exactly one draw whatever the outcome, so later draws do not depend on ``today``."""
    if not open_phase:
        options = [(EnrollmentStatus.CONFIRMED, 95), (EnrollmentStatus.REJECTED, 5)]
    elif today - day > PHASE_2_REVIEWED_AFTER:
        options = [(EnrollmentStatus.CONFIRMED, 55), (EnrollmentStatus.REJECTED, 3), (EnrollmentStatus.SUBMITTED, 42)]
    else:
        options = [(EnrollmentStatus.SUBMITTED, 99), (EnrollmentStatus.REJECTED, 1)]
    return _weighted(rng, options)


def _enrollments(*, campaign: Campaign, agents: list[DemoAgent], today: date, seed: int, reviewer) -> None:
    synthesizer = _Synthesizer(campaign=campaign, today=today, seed=seed)
    synthesizer.run(agents)
    _save(
        receipts=synthesizer.receipts,
        participants=synthesizer.participants,
        prior_coverage=synthesizer.prior_coverage,
        campaign=campaign,
        reviewer=reviewer,
    )


class _Synthesizer:
    """Draws the receipts of every agent, day by day, from one seeded generator.

    The draws for a day depend only on the draws before it, so a later load
    reproduces every earlier receipt exactly and adds the new days."""

    def __init__(self, *, campaign: Campaign, today: date, seed: int) -> None:
        self.campaign = campaign
        self.tz = campaign.tzinfo
        self.today = today
        self.now = timezone.now()
        self.phases = list(campaign.phases.order_by("start"))
        if not self.phases:
            raise DemoError("The demo campaign has no phases.")
        self.open_phase_ids = {phase.pk for phase in self.phases if phase.status == Phase.Status.OPEN}
        self.table = ParameterTable.load()
        self.gap_days = round(campaign.new_participant_gap_months * 365 / 12)
        self.rng = random.Random(f"{seed}:enrollments")  # noqa: S311 - synthetic demo data, not secrets
        self.participants: dict[str, Participant] = {}
        self.prior_coverage: dict[str, tuple[date, date]] = {}
        self.receipts: list[_Receipt] = []
        # Recent counted VSI receipts per cluster: whom a second agent may unknowingly enroll again.
        self.recent_counted: dict[int, list[_Receipt]] = {}
        self.duplicated: set[str] = set()
        self.seqs: Counter[int] = Counter()
        self.serial = 0

    def run(self, agents: list[DemoAgent]) -> None:
        first_day = self.phases[0].start.astimezone(self.tz).date()
        after_last_phase = (self.phases[-1].cutoff - timedelta(microseconds=1)).astimezone(self.tz).date()
        # Receipts up to yesterday: never in the future, and the same on every load of one day.
        last_day = min(self.today, timezone.localdate(self.now, timezone=self.tz), after_last_phase + timedelta(days=1))
        for day in _days(first_day, last_day):
            phase = _phase_on(self.phases, datetime.combine(day, time(12), tzinfo=self.tz))
            if phase is None:
                continue
            # Agents work less at weekends and push towards the end of a phase.
            progress = (day - phase.start.astimezone(self.tz).date()).days / max(1, (phase.cutoff - phase.start).days)
            busyness = WEEKDAY_FACTOR[day.weekday()] * (0.8 + 0.4 * progress)
            for demo_agent in agents:
                for _ in range(_poisson(self.rng, demo_agent.rate * busyness)):
                    self._draw(demo_agent, day)

    def _draw(self, demo_agent: DemoAgent, day: date) -> None:
        rng, agent = self.rng, demo_agent.agent
        receipt_at = datetime.combine(day, WORKDAY_START, tzinfo=self.tz) + timedelta(
            minutes=rng.randrange(WORKDAY_MINUTES)
        )
        phase = _phase_on(self.phases, receipt_at)
        if phase is None:
            return
        submitted_at = min(receipt_at + timedelta(minutes=rng.randrange(5, 240)), self.now)
        self.seqs[agent.pk] += 1
        common = {"agent": agent, "seq": self.seqs[agent.pk], "receipt_at": receipt_at, "submitted_at": submitted_at}
        pool = self.recent_counted.setdefault(demo_agent.cluster, [])

        earlier = self._already_counted(pool, agent=agent, receipt_at=receipt_at)
        if earlier is not None:
            self.duplicated.add(earlier.participant_key)
            receipt = _receipt(
                rng,
                **common,
                product=earlier.product,
                participant=self.participants[earlier.participant_key],
                phase=phase,
                status=EnrollmentStatus.SUBMITTED,  # awaiting review
                reason=NotCountedReason.DUPLICATE,
                table=self.table,
            )
            receipt.duplicate_of = earlier.key
            self.receipts.append(receipt)
            return

        product = Product.HHI if not demo_agent.vsi_only and rng.random() < HHI_SHARE else Product.VSI
        self.serial += 1
        participant = _new_participant(rng, serial=self.serial, product=product, day=day, locality=agent.locality)
        self.participants[participant.personal_id] = participant
        history = rng.random() if product == Product.VSI and not demo_agent.vsi_only else 1.0
        covered_within_gap = history < NOT_NEW_SHARE
        if history < NOT_NEW_SHARE + REJOINED_SHARE:
            days_since = rng.randint(15, self.gap_days - 20) if covered_within_gap else rng.randint(400, 1500)
            end = day - timedelta(days=days_since)
            self.prior_coverage[participant.personal_id] = (end - timedelta(days=rng.randint(180, 1500)), end)
            participant.social_insurance_code = f"49{self.serial:08d}"

        status = _status(rng, open_phase=phase.pk in self.open_phase_ids, day=day, today=self.today)
        if status == EnrollmentStatus.REJECTED:
            reason = NotCountedReason.REJECTED
        elif product not in self.campaign.products:
            reason = NotCountedReason.PRODUCT_NOT_COUNTED
        elif covered_within_gap:
            reason = NotCountedReason.NOT_NEW
        else:
            reason = ""
        receipt = _receipt(
            rng,
            **common,
            product=product,
            participant=participant,
            phase=phase,
            status=status,
            reason=reason,
            table=self.table,
        )
        self.receipts.append(receipt)
        if receipt.counted and product == Product.VSI:
            pool.append(receipt)
            del pool[:-200]

    def _already_counted(self, pool: list[_Receipt], *, agent: Agent, receipt_at: datetime) -> _Receipt | None:
        """Now and then, someone another agent of the cluster counted a while ago."""
        if self.rng.random() >= DUPLICATE_SHARE:
            return None
        candidates = [
            receipt
            for receipt in pool
            if receipt.agent.pk != agent.pk
            and receipt.participant_key not in self.duplicated
            and receipt.receipt_at < receipt_at - timedelta(hours=1)
        ]
        return self.rng.choice(candidates) if candidates else None


def _phase_on(phases: list[Phase], moment: datetime) -> Phase | None:
    for phase in phases:
        if phase.start <= moment < phase.cutoff:
            return phase
    return None


def _new_participant(rng: random.Random, *, serial: int, product: str, day: date, locality: Locality) -> Participant:
    gender = rng.choice([Gender.FEMALE, Gender.FEMALE, Gender.FEMALE, Gender.MALE, Gender.MALE])
    # VSI: working age, at least 18 on the receipt date (the rule asks for 15). HHI: the whole household.
    age = rng.randint(18, 58) if product == Product.VSI else rng.randint(1, 80)
    born = date(day.year - age - 1, 1, 1) + timedelta(days=rng.randrange(365))
    family, middle, given = _person_name(rng, gender)
    return Participant(
        personal_id=make_personal_id(
            province_code=PROVINCE_OF_BIRTH, date_of_birth=born, gender=gender, serial=100_000 + serial
        ),
        full_name=f"{family} {middle} {given}",
        date_of_birth=born,
        gender=gender,
        locality=locality,
        household_category=_household_category(rng, locality.code),
    )


def _declared_income(rng: random.Random, on: date, table: ParameterTable) -> int:
    floor = int(table.require(Parameter.Kind.RURAL_POVERTY_LINE, on))
    ceiling = int(table.require(Parameter.Kind.BASE_SALARY, on)) * 20
    income = round(floor * rng.choice(INCOME_MULTIPLES) / 10_000) * 10_000
    return max(floor, min(ceiling, income))


def _receipt(
    rng: random.Random,
    *,
    agent: Agent,
    seq: int,
    product: str,
    participant: Participant,
    receipt_at: datetime,
    submitted_at: datetime,
    phase: Phase,
    status: str,
    reason: str,
    table: ParameterTable,
) -> _Receipt:
    on = receipt_at.astimezone(phase.campaign.tzinfo).date()
    rejection = rng.choice(REJECTION_REASONS)  # drawn always, used when rejected
    if product == Product.VSI:
        months = _weighted(rng, VSI_MONTHS)
        income, order = _declared_income(rng, on, table), None
    else:
        months = _weighted(rng, HHI_MONTHS)
        income, order = None, _weighted(rng, [(1, 45), (2, 30), (3, 15), (4, 7), (5, 3)])
    quote = contribution_quote(
        product=product,
        on=on,
        payment_months=months,
        declared_income=income,
        household_category=participant.household_category,
        household_member_order=order,
        parameters=table,
    )
    return _Receipt(
        agent=agent,
        seq=seq,
        product=product,
        participant_key=participant.personal_id,
        receipt_at=receipt_at,
        submitted_at=submitted_at,
        phase=phase,
        payment_months=months,
        coverage_start=on,
        declared_income=income,
        household_member_order=order,
        household_category=participant.household_category,
        amount_due=quote.amount_due,
        state_support=quote.state_support,
        status=status,
        status_reason=rejection if status == EnrollmentStatus.REJECTED else "",
        counted=not reason,
        not_counted_reason=reason,
    )


def _batches(items: list, size: int = BATCH_SIZE) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _save(
    *,
    receipts: list[_Receipt],
    participants: dict[str, Participant],
    prior_coverage: dict[str, tuple[date, date]],
    campaign: Campaign,
    reviewer,
) -> None:
    """Insert what is not there yet. Existing natural keys are looked up first rather than
    inserted with ``ignore_conflicts``: SQLite's INSERT OR IGNORE would also drop rows that
    break a CHECK constraint, and the demo must fail loudly on those."""
    personal_ids = list(participants)
    existing_ids: set[str] = set()
    for chunk in _batches(personal_ids):
        existing_ids.update(Participant.objects.filter(personal_id__in=chunk).values_list("personal_id", flat=True))
    new_participants = [participants[pid] for pid in personal_ids if pid not in existing_ids]
    Participant.objects.bulk_create(new_participants, batch_size=BATCH_SIZE)
    participant_ids: dict[str, int] = {}
    for chunk in _batches(personal_ids):
        participant_ids.update(Participant.objects.filter(personal_id__in=chunk).values_list("personal_id", "pk"))

    CoveragePeriod.objects.bulk_create(
        [
            CoveragePeriod(
                participant_id=participant_ids[participant.personal_id],
                product=Product.VSI,
                start=prior_coverage[participant.personal_id][0],
                end=prior_coverage[participant.personal_id][1],
                source=CoveragePeriod.Source.CORE_SYSTEM,
            )
            for participant in new_participants
            if participant.personal_id in prior_coverage
        ],
        batch_size=BATCH_SIZE,
    )

    agent_ids = {receipt.agent.pk for receipt in receipts}
    existing_keys = set(Enrollment.objects.filter(agent_id__in=agent_ids).values_list("agent_id", "client_ref"))
    fresh = [receipt for receipt in receipts if receipt.key not in existing_keys]
    originals = [receipt for receipt in fresh if receipt.duplicate_of is None]
    duplicates = [receipt for receipt in fresh if receipt.duplicate_of is not None]
    Enrollment.objects.bulk_create(
        [_enrollment(receipt, campaign, participant_ids) for receipt in originals], batch_size=BATCH_SIZE
    )
    enrollment_ids = {
        (agent_id, ref): pk
        for agent_id, ref, pk in Enrollment.objects.filter(agent_id__in=agent_ids).values_list(
            "agent_id", "client_ref", "pk"
        )
    }
    Enrollment.objects.bulk_create(
        [
            _enrollment(receipt, campaign, participant_ids, duplicate_of_id=enrollment_ids[receipt.duplicate_of])
            for receipt in duplicates
        ],
        batch_size=BATCH_SIZE,
    )
    enrollment_ids.update(
        ((agent_id, ref), pk)
        for agent_id, ref, pk in Enrollment.objects.filter(
            agent_id__in=agent_ids, client_ref__in={r.client_ref for r in duplicates}
        ).values_list("agent_id", "client_ref", "pk")
    )

    confirmed = [receipt for receipt in fresh if receipt.status == EnrollmentStatus.CONFIRMED]
    CoveragePeriod.objects.bulk_create(
        [
            CoveragePeriod(
                participant_id=participant_ids[receipt.participant_key],
                product=receipt.product,
                start=receipt.coverage_start,
                end=coverage_end(receipt.coverage_start, receipt.payment_months),
                source=CoveragePeriod.Source.ENROLLMENT,
                enrollment_id=enrollment_ids[receipt.key],
            )
            for receipt in confirmed
        ],
        batch_size=BATCH_SIZE,
    )

    reviewed = [receipt for receipt in fresh if receipt.status != EnrollmentStatus.SUBMITTED]
    started = timezone.now()
    EnrollmentTransition.objects.bulk_create(
        [
            EnrollmentTransition(
                enrollment_id=enrollment_ids[receipt.key],
                from_status=EnrollmentStatus.SUBMITTED,
                to_status=receipt.status,
                by=reviewer,
                reason=receipt.status_reason,
            )
            for receipt in reviewed
        ],
        batch_size=BATCH_SIZE,
    )
    # ``at`` is stamped on insert; the reviews happened the day after each submission (or just now).
    reviewed_at = models.ExpressionWrapper(
        Subquery(Enrollment.objects.filter(pk=OuterRef("enrollment_id")).values("submitted_at")[:1])
        + models.Value(REVIEW_DELAY),
        output_field=models.DateTimeField(),
    )
    EnrollmentTransition.objects.filter(enrollment__campaign=campaign, at__gte=started).update(
        at=Least(reviewed_at, models.Value(started, output_field=models.DateTimeField()))
    )


def _enrollment(
    receipt: _Receipt, campaign: Campaign, participant_ids: dict[str, int], *, duplicate_of_id: int | None = None
) -> Enrollment:
    return Enrollment(
        campaign=campaign,
        phase=receipt.phase,
        agent=receipt.agent,
        participant_id=participant_ids[receipt.participant_key],
        product=receipt.product,
        client_ref=receipt.client_ref,
        receipt_no=f"BL-{receipt.agent.code.upper()}-{receipt.seq:05d}",
        receipt_at=receipt.receipt_at,
        submitted_at=receipt.submitted_at,
        payment_months=receipt.payment_months,
        coverage_start=receipt.coverage_start,
        declared_income=receipt.declared_income,
        household_member_order=receipt.household_member_order,
        household_category=receipt.household_category,
        amount_due=receipt.amount_due,
        state_support=receipt.state_support,
        status=receipt.status,
        status_reason=receipt.status_reason,
        counted=receipt.counted,
        not_counted_reason=receipt.not_counted_reason,
        duplicate_of_id=duplicate_of_id,
    )


# --- Summary ------------------------------------------------------------------------------------


def _fill_statistics(summary: DemoSummary, agents: list[DemoAgent]) -> None:
    clusters = {cluster.number: cluster.name for cluster in summary.campaign.clusters.all()}
    per_cluster = Counter(clusters.get(demo_agent.cluster, str(demo_agent.cluster)) for demo_agent in agents)
    summary.agents_per_cluster = dict(sorted(per_cluster.items()))
    counted = (
        Enrollment.objects.filter(campaign=summary.campaign, counted=True)
        .values_list("phase__number")
        .annotate(n=models.Count("pk"))
    )
    summary.counted_per_phase = dict(counted)
    first = next((phase for phase in summary.phases if phase.number == 1), None)
    cluster_one = summary.campaign.clusters.filter(number=1).first()
    if first is None or cluster_one is None:
        return
    quota = (
        summary.campaign.quotas.filter(competitor_kind="agent", role__in=["", Agent.Role.AGENT])
        .filter(models.Q(phase__isnull=True) | models.Q(phase=first))
        .filter(models.Q(cluster__isnull=True) | models.Q(cluster=cluster_one))
        .aggregate(minimum=models.Max("minimum"))["minimum"]
    )
    if quota is None:
        return
    summary.phase_1_quota = quota
    cluster_one_agents = [demo_agent.agent.pk for demo_agent in agents if demo_agent.cluster == 1]
    summary.quota_reached_in_phase_1 = (
        Enrollment.objects.filter(phase=first, counted=True, agent_id__in=cluster_one_agents)
        .values("agent")
        .annotate(n=models.Count("pk"))
        .filter(n__gte=quota)
        .count()
    )
