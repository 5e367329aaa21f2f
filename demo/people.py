"""The demo's people: the staff login, the service organizations, the post
office's manager and sixty agents who can log in, each drawn from a seeded
generator and keyed on its code or username, so loading again adds nobody."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from campaigns.models import Campaign, Cluster
from collectors.models import Agent, Locality, ServiceOrganization, StaffAssignment
from demo.errors import DemoError
from enrollments.choices import Gender

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"  # noqa: S105 - the demo's documented login
AGENT_PASSWORD = "demo"  # noqa: S105 - the demo's documented login
# The post office's manager: sees their organization's agents and numbers (password AGENT_PASSWORD).
MANAGER_USERNAME = "quanly-buudien"
AGENT_COUNT = 60
BATCH_SIZE = 500

# District codes of the national list, as in the example campaign.
MOUNTAIN_DISTRICTS = {"504", "505", "510", "511", "515", "516"}  # fewer recruits, more ethnic-minority households
ISLAND_DISTRICTS = {"503", "517"}  # Tân Hiệp (Cù Lao Chàm), Tam Hải
# The example campaign brings the localities, the provincial office and the post office.
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


def person_name(rng: random.Random, gender: str) -> tuple[str, str, str]:
    """A family, middle and given name, as people of Quảng Nam are often called."""
    return rng.choice(FAMILY_NAMES), rng.choice(MIDDLE_NAMES[gender]), rng.choice(GIVEN_NAMES[gender])


# --- Staff and managers --------------------------------------------------------------------------


def admin_user():
    """The demo's superuser, who also reviews the receipts."""
    User = get_user_model()
    user = User.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        user = User.objects.create_superuser(ADMIN_USERNAME, "admin@example.vn", ADMIN_PASSWORD)
    return user


def admin_office(user, campaign: Campaign) -> None:
    """The staff login works for the unit at the root of the organizer's tree (Vietnam
    Social Security in the example): as a superuser it reaches every office anyway,
    and it keeps doing so were it made ordinary staff (DESIGN §10)."""
    root = campaign.organizer
    while root.parent_id is not None:
        root = root.parent
    StaffAssignment.objects.get_or_create(user=user, defaults={"unit": root})


def post_office_manager(organization: ServiceOrganization) -> None:
    """A login for the manager of the post office, who reads its own numbers on the pages."""
    User = get_user_model()
    user = User.objects.filter(username=MANAGER_USERNAME).first()
    if user is None:
        user = User.objects.create_user(
            MANAGER_USERNAME, f"{MANAGER_USERNAME}@example.vn", AGENT_PASSWORD, first_name="Quản lý Bưu điện"
        )
    organization.managers.add(user)


def service_organizations(campaign: Campaign) -> list[ServiceOrganization]:
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


# --- Agents --------------------------------------------------------------------------------------


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


def _agent_plans(
    rng: random.Random, *, clusters: list[Cluster], organizations: list[ServiceOrganization]
) -> list[_AgentPlan]:
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
            family, middle, given = person_name(rng, gender)
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
    return plans


def _logins(plans: list[_AgentPlan]) -> dict:
    """A user per agent, named after the agent's code; the users already there are kept."""
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
    return {user.username: user for user in User.objects.filter(username__in=usernames)}


def demo_agents(*, clusters: list[Cluster], organizations: list[ServiceOrganization], seed: int) -> list[DemoAgent]:
    """The sixty agents, spread over the clusters' districts, each with a login and a pace of work."""
    rng = random.Random(f"{seed}:agents")  # noqa: S311 - synthetic demo data, not secrets
    if not clusters:
        raise DemoError("The demo campaign has no clusters.")
    plans = _agent_plans(rng, clusters=clusters, organizations=organizations)
    usernames = [plan.code for plan in plans]
    users = _logins(plans)

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
