"""Progress against plan: the campaign overview page and the progress workbook
read it from one place, so they show the same plan, counted and percent, for
the whole campaign and per phase."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from campaigns.models import PlanTarget
from campaigns.services import phase_close
from collectors.models import ServiceOrganization
from reports.progress import progress_against_plan
from reports.scope import Scope
from reports.workbooks import write_progress
from tests.contest import build_contest, sell
from tests.factories import AgentFactory, DistrictFactory, PhaseFactory, ServiceOrganizationFactory, UserFactory
from tests.workbooks import table

pytestmark = pytest.mark.django_db

COUNTED = "Thực hiện BHXH tự nguyện"
PLAN = "Kế hoạch BHXH tự nguyện"
RATIO = "Tỷ lệ % kế hoạch BHXH tự nguyện"


@pytest.fixture
def contest(db):
    """The shared contest (``tests.contest``) as campaign ``demo`` (VSI only, no
    quota), phase 1 closed and phase 2 running, clusters east and west, a post
    office (E1, W1) and another organization (E2, W2, X1).
    Counted: phase 1 east 9 (E1 5, E2 4), west 5 (W1 2, W2 3); phase 2 east 3
    (E1), west 1 (W1); an agent serving a district of no cluster (X1) 2 in phase 1.
    As the demo: plans per cluster and phase only (east 10 and 6, west 4 and 2)."""
    post = ServiceOrganizationFactory(code="BD", name="Bưu điện tỉnh", kind=ServiceOrganization.Kind.POST_OFFICE)
    other = ServiceOrganizationFactory(code="DL", name="Đại lý Hòa Bình", kind=ServiceOrganization.Kind.OTHER_AGENT)
    contest = build_contest(
        code="demo",
        east=("E1", "E2"),
        west=("W1", "W2"),
        products=("VSI",),
        second_phase=True,
        quota=None,
        cluster_names=("Cụm Đông", "Cụm Tây"),
        organizations={"E1": post, "W1": post, "E2": other, "W2": other},
    )
    one, two = contest.phases
    elsewhere = DistrictFactory(code="D-X", name="Huyện Khác")
    x1 = AgentFactory(code="X1", organization=other, locality=elsewhere)
    for code, count in (("E1", 5), ("E2", 4), ("W1", 2), ("W2", 3)):
        contest.sell(code, count)
    sell(one, x1, 2)
    for code, count in (("E1", 3), ("W1", 1)):
        contest.sell(code, count, phase=two, day=0, hours=1)
    phase_close(phase=one)
    for cluster, targets in zip(contest.clusters, ((10, 6), (4, 2)), strict=True):
        for phase, target in zip((one, two), targets, strict=True):
            PlanTarget.objects.create(
                campaign=contest.campaign, scope="cluster", cluster=cluster, phase=phase, target=target
            )
    contest["organizations"] = (post, other)
    return contest


def _workbook(campaign, **kwargs):
    output = io.BytesIO()
    write_progress(output, campaign=campaign, **kwargs)
    output.seek(0)
    return load_workbook(output)


def _sheet(workbook, name: str) -> dict[str, dict[str, object]]:
    """A sheet's rows by the text of their name column, each a mapping header → value."""
    headers, rows = table(workbook[name])
    return {str(row[1]): dict(zip(headers, row, strict=False)) for row in rows}


def _from_workbook(row: dict) -> tuple:
    ratio = row[RATIO]
    percent = Decimal(ratio * 100).quantize(Decimal("0.1")) if ratio is not None else None
    return (row[COUNTED], row[PLAN], percent)


def _figure(cell) -> tuple:
    return (cell.counted, cell.plan, cell.percent)


def _overview(client, user, code="demo"):
    client.force_login(user)
    response = client.get(f"/campaigns/{code}/")
    assert response.status_code == 200
    return response.context


# --- Plans per cluster and phase only (the demo) ---------------------------------------------


def test_the_overview_and_the_workbook_agree_for_the_whole_campaign(client, campaign_manager, contest):
    context = _overview(client, campaign_manager)
    workbook = _workbook(contest["campaign"])

    clusters = _sheet(workbook, "Theo cụm thi đua")
    for row in context["clusters"]:
        if row.leftover:
            assert _from_workbook(clusters["Không thuộc cụm nào"]) == _figure(row.total)
        else:
            assert _from_workbook(clusters[row.label]) == _figure(row.total), row.label
    total = _figure(context["total"].total)
    assert _from_workbook(clusters["Tổng cộng"]) == total
    assert _from_workbook(_sheet(workbook, "Tổng hợp")["Tổng cộng"]) == total
    assert _figure(context["summary"]) == total


def test_the_workbook_now_shows_the_summed_plan_of_per_phase_cluster_plans(contest):
    workbook = _workbook(contest["campaign"])

    clusters = _sheet(workbook, "Theo cụm thi đua")
    assert _from_workbook(clusters["Cụm Đông"]) == (12, 16, Decimal("75.0"))
    assert _from_workbook(clusters["Cụm Tây"]) == (6, 6, Decimal("100.0"))
    # Counted outside every cluster: in the total, with no plan of its own, and no obstacle to the sum.
    assert _from_workbook(clusters["Không thuộc cụm nào"]) == (2, None, None)
    summary = _sheet(workbook, "Tổng hợp")
    assert _from_workbook(summary["Tổng cộng"]) == (20, 22, Decimal("90.9"))
    assert _from_workbook(summary["Đợt 1"]) == (16, 14, Decimal("114.3"))
    assert _from_workbook(summary["Đợt 2"]) == (4, 8, Decimal("50.0"))


def test_the_overview_and_the_workbook_agree_phase_by_phase(client, campaign_manager, contest):
    context = _overview(client, campaign_manager)

    for n, phase in enumerate(contest["phases"]):
        workbook = _workbook(contest["campaign"], phase=phase)
        clusters = _sheet(workbook, "Theo cụm thi đua")
        for row in context["clusters"]:
            name = "Không thuộc cụm nào" if row.leftover else row.label
            if name not in clusters:  # nothing counted outside every cluster in this phase
                assert _figure(row.cells[n]) == (0, None, None)
                continue
            assert _from_workbook(clusters[name]) == _figure(row.cells[n]), (phase.name, name)
        whole_campaign = _sheet(_workbook(contest["campaign"]), "Tổng hợp")[phase.name]
        assert _from_workbook(clusters["Tổng cộng"]) == _figure(context["total"].cells[n])
        assert _from_workbook(whole_campaign) == _figure(context["total"].cells[n])


def test_a_managers_overview_and_workbook_agree_on_their_organizations(client, contest):
    post, _other = contest["organizations"]
    PlanTarget.objects.create(campaign=contest["campaign"], scope="organization", organization=post, target=20)
    manager = UserFactory(username="buudien")
    post.managers.add(manager)

    context = _overview(client, manager)
    rows = _sheet(_workbook(contest["campaign"], organization_ids=[post.pk]), "Theo tổ chức dịch vụ thu")

    (organization,) = context["organizations"]
    assert _from_workbook(rows["Bưu điện tỉnh"]) == _figure(organization.total) == (11, 20, Decimal("55.0"))
    assert _from_workbook(rows["Tổng cộng"]) == _figure(context["summary"])


# --- A whole-campaign plan --------------------------------------------------------------------


def test_a_whole_campaign_plan_wins_over_the_sums_and_a_phase_takes_its_own(client, campaign_manager, contest):
    one, _two = contest["phases"]
    campaign = contest["campaign"]
    PlanTarget.objects.create(campaign=campaign, scope="campaign", target=40)
    PlanTarget.objects.create(campaign=campaign, scope="campaign", phase=one, target=25)
    east, _west = contest["clusters"]
    PlanTarget.objects.create(campaign=campaign, scope="cluster", cluster=east, target=30)

    context = _overview(client, campaign_manager)
    workbook = _workbook(campaign)

    total = context["total"]
    assert _figure(total.total) == (20, 40, Decimal("50.0"))
    assert _figure(total.cells[0]) == (16, 25, Decimal("64.0"))
    assert _figure(total.cells[1]) == (4, 8, Decimal("50.0"))  # no campaign plan for phase 2: the clusters' summed
    summary = _sheet(workbook, "Tổng hợp")
    assert _from_workbook(summary["Tổng cộng"]) == _figure(total.total)
    assert _from_workbook(summary["Đợt 1"]) == _figure(total.cells[0])
    assert _from_workbook(summary["Đợt 2"]) == _figure(total.cells[1])
    east_row = next(row for row in context["clusters"] if row.label == "Cụm Đông")
    assert _figure(east_row.total) == (12, 30, Decimal("40.0"))  # the cluster's whole-campaign plan
    assert _from_workbook(_sheet(workbook, "Theo cụm thi đua")["Cụm Đông"]) == _figure(east_row.total)
    phase_book = _workbook(campaign, phase=one)
    assert _from_workbook(_sheet(phase_book, "Tổng hợp")["Tổng cộng"]) == _figure(total.cells[0])
    assert _from_workbook(_sheet(phase_book, "Theo cụm thi đua")["Cụm Đông"]) == _figure(east_row.cells[0])


# --- The plan rule ------------------------------------------------------------------------------


def test_a_phase_figure_has_no_plan_without_a_target_for_that_phase(contest):
    _one, two = contest["phases"]
    east, _west = contest["clusters"]
    PlanTarget.objects.filter(cluster=east, phase=two).delete()

    progress = progress_against_plan(campaign=contest["campaign"], phase=two, scope=Scope(everything=True))

    row = next(row for row in progress.by_cluster if row.subject == east)
    assert (row.total.counted, row.total.plan) == (3, None)
    # Not every cluster has a plan for phase 2: a partial sum is no campaign plan.
    assert progress.total.total.plan is None
    whole = progress_against_plan(campaign=contest["campaign"], scope=Scope(everything=True))
    east_whole = next(row for row in whole.by_cluster if row.subject == east)
    assert east_whole.total.plan == 10  # the per-phase targets there are
    assert whole.total.total.plan == 16  # east 10 + west 6


def test_targets_for_the_same_subject_and_period_add_up(contest):
    one, _two = contest["phases"]
    east, _west = contest["clusters"]
    PlanTarget.objects.create(campaign=contest["campaign"], scope="cluster", cluster=east, phase=one, target=5)

    progress = progress_against_plan(campaign=contest["campaign"], phase=one, scope=Scope(everything=True))

    assert next(row for row in progress.by_cluster if row.subject == east).total.plan == 15


def test_an_agent_reads_their_own_numbers_without_plans(contest):
    agent = AgentFactory(code="E1")

    progress = progress_against_plan(campaign=contest["campaign"], scope=Scope(agent_id=agent.pk))

    assert [(row.label, row.total.counted, row.total.plan) for row in progress.by_cluster] == [
        ("Cụm Đông", 8, None),
        ("Cụm Tây", 0, None),
    ]
    assert (progress.total.total.counted, progress.total.total.plan) == (8, None)
    assert progress.by_organization == []


def test_a_phase_of_another_campaign_is_refused(contest):
    with pytest.raises(ValueError, match="another campaign"):
        progress_against_plan(campaign=contest["campaign"], phase=PhaseFactory(), scope=Scope(everything=True))
