"""The admin that provincial staff use: every model registered and rendering,
the campaign page and its inlines, Vietnamese by default, permissions by role,
read-only histories and changelists whose query count does not grow with rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ApiToken, PasswordState
from accounts.services import password_mark_initial
from awards.models import (
    Appeal,
    AppealEvent,
    Award,
    AwardTransition,
    CouncilMeeting,
    DocumentTemplate,
    Finalization,
    Nomination,
    NominationTransition,
    Standing,
    Tally,
    TallyState,
)
from campaigns.models import (
    AwardRule,
    Campaign,
    Cluster,
    Indicator,
    Phase,
    PhaseTransition,
    PlanTarget,
    PrizeTier,
    PublicHoliday,
    Quota,
    Team,
)
from collectors.models import Agent, CommendationBar, Locality, ServiceOrganization, StaffAssignment, Unit
from core.models import ExportJob
from enrollments.choices import EnrollmentStatus, Product
from enrollments.models import (
    CoveragePeriod,
    Enrollment,
    EnrollmentImport,
    EnrollmentTransition,
    Parameter,
    Participant,
)
from tests.factories import (
    VN,
    AgentFactory,
    AwardRuleFactory,
    CampaignFactory,
    ClusterFactory,
    CoveragePeriodFactory,
    DistrictFactory,
    EnrollmentFactory,
    EnrollmentTransitionFactory,
    IndicatorFactory,
    IndicatorTargetFactory,
    IndicatorValueFactory,
    ParameterFactory,
    ParticipantFactory,
    PhaseFactory,
    PhaseTransitionFactory,
    PlanTargetFactory,
    PrizeTierFactory,
    QuotaFactory,
    ServiceOrganizationFactory,
    TeamFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PROJECT_APPS = ["core", "accounts", "collectors", "campaigns", "enrollments", "awards"]
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
HISTORY_MODELS = [PhaseTransition, EnrollmentTransition]


def _url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def _label(model) -> str:
    return model._meta.label


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users are made by the dozen here; hashing their passwords properly would take minutes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- One of everything -------------------------------------------------------


@pytest.fixture
def one_of_each(superuser):
    """At least one row of every registered model, with its relations filled in."""
    campaign = CampaignFactory(products=[Product.VSI, Product.HHI])
    phase = PhaseFactory(campaign=campaign)
    agent = AgentFactory(unit=campaign.organizer, user=UserFactory())
    team = TeamFactory(campaign=campaign, locality=agent.locality, unit=campaign.organizer)
    team.members.add(agent)
    cluster = ClusterFactory(campaign=campaign)
    cluster.localities.add(agent.locality)
    cluster.agents.add(agent)
    cluster.teams.add(team)
    cluster.units.add(campaign.organizer)
    indicator = IndicatorFactory(campaign=campaign)
    rule = AwardRuleFactory(campaign=campaign, phase=phase, cluster=cluster)
    enrollment = EnrollmentFactory(phase=phase, agent=agent, receipt_no="BL-0001")
    rows = [
        agent.organization,
        PhaseTransitionFactory(phase=phase, by=superuser),
        QuotaFactory(campaign=campaign, phase=phase, cluster=cluster),
        PlanTargetFactory(campaign=campaign, scope=PlanTarget.Scope.TEAM, team=team, phase=phase),
        IndicatorTargetFactory(indicator=indicator, unit=campaign.organizer),
        IndicatorValueFactory(indicator=indicator, unit=campaign.organizer, phase=phase, recorded_by=superuser),
        PrizeTierFactory(rule=rule, money=PrizeTier.Money.FIXED, amount=5_000_000),
        ParameterFactory(),
        CoveragePeriodFactory(participant=enrollment.participant),
        EnrollmentTransitionFactory(enrollment=enrollment, by=superuser),
        StaffAssignment.objects.create(user=UserFactory(), unit=campaign.organizer),
        CommendationBar.objects.create(agent=agent, reason="discipline", note="QĐ 1", start_date=date(2024, 1, 1)),
        ApiToken.objects.create(superuser, device="Điện thoại")[0],
        password_mark_initial(user=agent.user),
        *_login_records(),
        EnrollmentImport.objects.create(
            campaign=campaign, requested_by=superuser, filename="bien-lai.csv", content=b"", size=0
        ),
        ExportJob.objects.create(
            kind="progress",
            params={"campaign": campaign.code, "phase": None},
            requested_by=superuser,
            status=ExportJob.Status.DONE,
            content=b"PK",
            size=2,
            rows=1,
            finished_at=datetime(2024, 5, 1, tzinfo=VN),
            filename="tien-do.xlsx",
        ),
    ]
    rows += _results(phase, rule, agent, superuser)
    rows.append(PublicHoliday.objects.create(date=datetime(2025, 9, 2).date(), name="Quốc khánh"))
    rows.append(
        Tally.objects.create(rule=rule, phase=phase, competitor_id=agent.pk, code=agent.code, name=agent.full_name)
    )
    return {"campaign": campaign, "phase": phase, "rule": rule, "enrollment": enrollment, "rows": rows}


def _login_records() -> list:
    """A lockout's attempt, a logged failure and a login, as django-axes records them."""
    seen = {"ip_address": "203.0.113.7", "user_agent": "Chrome", "http_accept": "*/*", "path_info": "/login/"}
    return [
        AccessAttempt.objects.create(username="e1", get_data="", post_data="", failures_since_start=5, **seen),
        AccessFailureLog.objects.create(username="e1", locked_out=True, **seen),
        AccessLog.objects.create(username="e1", session_hash="0" * 64, **seen),
    ]


def _results(phase, rule, agent, user) -> list:
    """A finalization with a standing, an award, its history and a nomination."""
    finalization = Finalization.objects.create(phase=phase, version=1, by=user)
    competitor = {
        "competitor_kind": "agent",
        "agent": agent,
        "competitor_code": agent.code,
        "competitor_name": agent.full_name,
    }
    standing = Standing.objects.create(
        finalization=finalization, rule=rule, score=3, eligible=True, position=1, rank=1, **competitor
    )
    award = Award.objects.create(
        finalization=finalization,
        standing=standing,
        phase=phase,
        rule=rule,
        tier=rule.tiers.get(),
        amount=5_000_000,
        **competitor,
    )
    transition = AwardTransition.objects.create(award=award, to_status="proposed", by=user)
    nomination = Nomination.objects.create(
        campaign=phase.campaign, phase=phase, full_name="Ông Nguyễn Văn Ngoài Ngành", outside_sector=True
    )
    appeal = Appeal.objects.create(
        phase=phase,
        finalization=finalization,
        text="Hai hồ sơ chưa được tính.",
        attachment=b"%PDF-1.4\n%%EOF\n",
        attachment_name="bien-lai.pdf",
        attachment_type="pdf",
        filed_by=user,
        filed_at=datetime(2024, 7, 3, tzinfo=VN),
        **competitor,
    )
    event = AppealEvent.objects.create(appeal=appeal, to_status="open", by=user, at=appeal.filed_at)
    nominated = NominationTransition.objects.create(nomination=nomination, to_status="proposed", by=user)
    meeting = CouncilMeeting.objects.create(
        phase=phase,
        minutes_number=f"BB-{phase.pk}",
        held_at=datetime(2024, 7, 5, 8, tzinfo=VN),
        chair="Nguyễn Văn Chủ",
        secretary="Lê Thị Thư",
        members_total=5,
        members_present=5,
        votes_for=5,
        created_by=user,
    )
    template = DocumentTemplate.objects.create(
        unit=phase.campaign.organizer, kind="decision", file=f"document_templates/qd-{phase.pk}.docx", uploaded_by=user
    )
    return [finalization, standing, award, transition, nomination, appeal, event, nominated, meeting, template]


def test_every_model_of_the_project_is_registered():
    """Every model people work with; internal ones (no permissions at all, such as
    the stored import previews) are nobody's to browse."""
    models = [
        model
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        if model._meta.default_permissions or model._meta.permissions
    ]
    unregistered = [_label(model) for model in models if not admin.site.is_registered(model)]
    assert models
    assert unregistered == []


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_changelist_renders(client, superuser, one_of_each, model):
    client.force_login(superuser)
    assert client.get(_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_add_form_renders_where_adding_is_allowed(client, rf, superuser, one_of_each, model):
    request = rf.get("/")
    request.user = superuser
    expected = 200 if admin.site._registry[model].has_add_permission(request) else 403
    client.force_login(superuser)
    assert client.get(_url(model, "add")).status_code == expected


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_change_form_renders(client, superuser, one_of_each, model):
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"create a {_label(model)} in the one_of_each fixture"
    client.force_login(superuser)
    assert client.get(_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize(
    "model",
    [model for model in REGISTERED if model._meta.app_label in PROJECT_APPS],
    ids=_label,
)
def test_every_editable_field_is_on_the_admin_form(rf, superuser, one_of_each, model):
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    shown = set(model_admin.get_fields(request)) | set(model_admin.get_readonly_fields(request))
    editable = {field.name for field in model._meta.get_fields() if getattr(field, "editable", False)}
    editable -= {field.name for field in model._meta.get_fields() if field.auto_created}
    assert editable - shown == set()


# --- The campaign page -------------------------------------------------------


def test_campaign_page_shows_every_inline(client, superuser, one_of_each):
    client.force_login(superuser)
    response = client.get(_url(Campaign, "change", one_of_each["campaign"].pk))
    inline_models = {formset.opts.model for formset in response.context["inline_admin_formsets"]}
    assert inline_models == {Phase, Cluster, Team, Quota, PlanTarget, Indicator, AwardRule}


def test_campaign_page_summarises_each_rules_prize_tiers(client, superuser, one_of_each):
    client.force_login(superuser)
    response = client.get(_url(Campaign, "change", one_of_each["campaign"].pk))
    tier = PrizeTier.objects.get(rule=one_of_each["rule"])
    assert f"{tier.title} × 1: 5.000.000 đồng" in response.text


def test_campaign_page_links_to_each_award_rule(client, superuser, one_of_each):
    client.force_login(superuser)
    response = client.get(_url(Campaign, "change", one_of_each["campaign"].pk))
    assert _url(AwardRule, "change", one_of_each["rule"].pk) in response.text


def test_award_rule_page_edits_its_prize_tiers(client, superuser, one_of_each):
    client.force_login(superuser)
    response = client.get(_url(AwardRule, "change", one_of_each["rule"].pk))
    assert [formset.opts.model for formset in response.context["inline_admin_formsets"]] == [PrizeTier]


def _inline_form_field(response, model, field_name):
    formset = next(fs for fs in response.context["inline_admin_formsets"] if fs.opts.model is model)
    return formset.formset.empty_form.fields[field_name]


def test_quota_phase_choices_are_the_campaigns_own_phases(client, superuser, one_of_each):
    PhaseFactory()  # a phase of another campaign
    client.force_login(superuser)
    response = client.get(_url(Campaign, "change", one_of_each["campaign"].pk))
    choices = [value for value, _label in _inline_form_field(response, Quota, "phase").choices if value]
    assert [int(str(value)) for value in choices] == [one_of_each["phase"].pk]


def test_plan_target_cluster_choices_are_the_campaigns_own_clusters(client, superuser, one_of_each):
    ClusterFactory()  # a cluster of another campaign
    own = Cluster.objects.filter(campaign=one_of_each["campaign"]).values_list("pk", flat=True)
    client.force_login(superuser)
    response = client.get(_url(Campaign, "change", one_of_each["campaign"].pk))
    choices = [value for value, _label in _inline_form_field(response, PlanTarget, "cluster").choices if value]
    assert [int(str(value)) for value in choices] == list(own)


def test_campaign_form_offers_products_as_checkboxes(client, superuser):
    client.force_login(superuser)
    response = client.get(_url(Campaign, "add"))
    assert 'type="checkbox" name="products" value="VSI"' in response.text
    assert 'type="checkbox" name="products" value="HHI"' in response.text


def test_phase_list_shows_start_and_cutoff_in_local_time(client, superuser):
    PhaseFactory(start=datetime(2024, 4, 1, 0, 0, tzinfo=VN), cutoff=datetime(2024, 7, 1, 0, 0, tzinfo=VN))
    client.force_login(superuser)
    response = client.get(_url(Phase, "changelist"))
    assert "01/04/2024 00:00" in response.text
    assert "01/07/2024 00:00" in response.text


def test_campaign_page_queries_do_not_grow_with_inline_rows(client, superuser):
    def campaign_with(rows: int) -> Campaign:
        campaign = CampaignFactory()
        for number in range(1, rows + 1):
            phase = PhaseFactory(
                campaign=campaign,
                number=number,
                start=datetime(2024, number, 1, tzinfo=VN),
                cutoff=datetime(2024, number, 20, tzinfo=VN),
            )
            cluster = ClusterFactory(campaign=campaign, number=number)
            cluster.agents.add(AgentFactory())
            team = TeamFactory(campaign=campaign, locality=DistrictFactory(), unit=UnitFactory())
            QuotaFactory(campaign=campaign, phase=phase, cluster=cluster)
            PlanTargetFactory(campaign=campaign, scope=PlanTarget.Scope.TEAM, team=team, phase=phase)
            PlanTargetFactory(campaign=campaign, scope=PlanTarget.Scope.LOCALITY, locality=DistrictFactory())
            IndicatorFactory(campaign=campaign)
            PrizeTierFactory(rule=AwardRuleFactory(campaign=campaign, phase=phase, cluster=cluster))
        return campaign

    small, large = campaign_with(2), campaign_with(8)
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as small_page:
        assert client.get(_url(Campaign, "change", small.pk)).status_code == 200
    with CaptureQueriesContext(connection) as large_page:
        assert client.get(_url(Campaign, "change", large.pk)).status_code == 200
    assert len(large_page.captured_queries) == len(small_page.captured_queries)


# --- Adding a campaign through the admin ---------------------------------------


def _management_data(response) -> dict[str, str]:
    """The management form of every inline on the page, with no forms in it."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def _add_campaign(client, **overrides):
    page = client.get(_url(Campaign, "add"))
    data = {
        **_management_data(page),
        "code": "quang-nam-2024",
        "name": "Phong trào thi đua phát triển người tham gia BHXH tự nguyện 2024",
        "organizer": str(UnitFactory().pk),
        "status": Campaign.Status.DRAFT,
        "products": [Product.HHI, Product.VSI],
        "new_participant_gap_months": "12",
        "time_zone": "Asia/Ho_Chi_Minh",
        "notice_days": "5",
        "phases-TOTAL_FORMS": "2",
        "phases-0-number": "1",
        "phases-0-name": "Đợt 1",
        "phases-0-start_0": "2024-04-01",
        "phases-0-start_1": "00:00:00",
        "phases-0-cutoff_0": "2024-07-01",
        "phases-0-cutoff_1": "00:00:00",
        "phases-0-grace": "1 00:00:00",
        "phases-1-number": "2",
        "phases-1-name": "Đợt 2",
        "phases-1-start_0": "2024-07-01",
        "phases-1-start_1": "00:00:00",
        "phases-1-cutoff_0": "2024-10-01",
        "phases-1-cutoff_1": "00:00:00",
        "phases-1-grace": "1 00:00:00",
        **overrides,
    }
    return client.post(_url(Campaign, "add"), data)


def test_campaign_manager_adds_a_campaign_with_its_phases(client, campaign_manager):
    client.force_login(campaign_manager)
    response = _add_campaign(client)
    assert response.status_code == 302
    campaign = Campaign.objects.get(code="quang-nam-2024")
    assert list(campaign.phases.values_list("number", "name")) == [(1, "Đợt 1"), (2, "Đợt 2")]


def test_products_ticked_in_the_campaign_form_are_stored_as_a_list(client, campaign_manager):
    client.force_login(campaign_manager)
    _add_campaign(client)
    assert Campaign.objects.get(code="quang-nam-2024").products == [Product.VSI, Product.HHI]


def test_phase_times_entered_in_local_time_are_stored_in_utc(client, campaign_manager):
    client.force_login(campaign_manager)
    _add_campaign(client)
    phase = Phase.objects.get(campaign__code="quang-nam-2024", number=1)
    assert phase.start == datetime(2024, 3, 31, 17, 0, tzinfo=UTC)


def test_campaign_needs_at_least_one_product(client, campaign_manager):
    client.force_login(campaign_manager)
    response = _add_campaign(client, products=[])
    assert response.status_code == 200
    assert not Campaign.objects.filter(code="quang-nam-2024").exists()


def test_phases_added_with_a_campaign_cannot_overlap(client, campaign_manager):
    client.force_login(campaign_manager)
    response = _add_campaign(client, **{"phases-1-start_0": "2024-06-15"})
    assert response.status_code == 200
    assert not Campaign.objects.filter(code="quang-nam-2024").exists()


# --- Language --------------------------------------------------------------------


def test_admin_speaks_vietnamese_by_default(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:index"))
    assert "Phong trào thi đua" in response.text
    assert "Emulation campaigns" not in response.text


def test_admin_stays_vietnamese_for_a_browser_that_asks_for_english(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:index"), headers={"accept-language": "en"})
    assert "Phong trào thi đua" in response.text
    assert "Emulation campaigns" not in response.text


def test_admin_offers_the_same_language_switch_as_the_pages(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).text
    assert f'action="{reverse("set_language")}"' in page
    assert 'name="language" value="en"' in page
    assert re.search(r'value="vi" lang="vi"\s+aria-pressed="true" class="current">', page)
    assert re.search(r'value="en" lang="en"\s+aria-pressed="false">English</button>', page)


def test_admin_speaks_english_after_switching_language(client, superuser):
    client.force_login(superuser)
    client.post(reverse("set_language"), {"language": "en"})
    response = client.get(reverse("admin:index"))
    assert "Emulation campaigns" in response.text


def test_the_admins_own_messages_are_vietnamese(client, campaign_manager, one_of_each):
    client.force_login(campaign_manager)
    enrollments = client.get(_url(Enrollment, "changelist")).text
    assert "Hiện số lượng" in enrollments and "Show counts" not in enrollments
    refused = _add_campaign(client, products=[]).text
    assert "Hãy sửa các lỗi dưới đây." in refused and "Please correct" not in refused


def test_admin_lists_show_vietnamese_numbers_and_durations(client, superuser, one_of_each):
    Standing.objects.update(score=146)
    client.force_login(superuser)
    awards = client.get(_url(Award, "changelist")).text
    assert re.search(r'<td class="field-amount_display">5\.000\.000\s(đ|đồng)</td>', awards)
    standings = client.get(_url(Standing, "changelist")).text
    assert '<td class="field-score_display">146</td>' in standings and "146,0000" not in standings
    phases = client.get(_url(Phase, "changelist")).text
    assert '<td class="field-grace_display">1 ngày</td>' in phases and "1 day" not in phases


def test_admin_forms_show_and_read_amounts_with_vietnamese_grouping(client, superuser, one_of_each):
    tier = PrizeTier.objects.get()
    client.force_login(superuser)
    page = client.get(_url(AwardRule, "change", one_of_each["rule"].pk)).text
    assert 'value="5.000.000"' in page
    form = client.get(_url(PrizeTier, "change", tier.pk)).context["adminform"].form
    assert 'value="5.000.000"' in str(form["amount"])
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    client.post(_url(PrizeTier, "change", tier.pk), {**data, "amount": "3.500.000"})
    tier.refresh_from_db()
    assert tier.amount == 3_500_000


# --- Permissions by role -----------------------------------------------------------


def test_reviewer_cannot_open_the_campaign_add_page(client, reviewer):
    client.force_login(reviewer)
    assert client.get(_url(Campaign, "add")).status_code == 403


def test_reviewer_cannot_change_a_campaign(client, reviewer, one_of_each):
    campaign = one_of_each["campaign"]
    client.force_login(reviewer)
    response = client.post(_url(Campaign, "change", campaign.pk), {"name": "Đổi tên"})
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.name != "Đổi tên"


def test_reviewer_sees_a_campaigns_products_by_name(client, reviewer, one_of_each):
    client.force_login(reviewer)
    response = client.get(_url(Campaign, "change", one_of_each["campaign"].pk))
    assert "BHXH tự nguyện, BHYT hộ gia đình" in response.text
    assert "[&quot;VSI&quot;" not in response.text


def test_reviewer_can_list_enrollments(client, reviewer, one_of_each):
    client.force_login(reviewer)
    response = client.get(_url(Enrollment, "changelist"))
    assert response.status_code == 200
    assert one_of_each["enrollment"].client_ref in response.text


def test_reviewer_can_open_an_enrollment(client, reviewer, one_of_each):
    client.force_login(reviewer)
    assert client.get(_url(Enrollment, "change", one_of_each["enrollment"].pk)).status_code == 200


def test_campaign_manager_sees_enrollments_read_only(client, campaign_manager, one_of_each):
    client.force_login(campaign_manager)
    response = client.get(_url(Enrollment, "change", one_of_each["enrollment"].pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=_label)
def test_history_refuses_to_add(client, superuser, model):
    client.force_login(superuser)
    assert client.get(_url(model, "add")).status_code == 403


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=_label)
def test_history_refuses_to_change(client, superuser, one_of_each, model):
    row = model.objects.get()
    client.force_login(superuser)
    response = client.post(_url(model, "change", row.pk), {"to_status": "closed", "reason": "sửa tay"})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.reason != "sửa tay"


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=_label)
def test_history_refuses_to_delete(client, superuser, one_of_each, model):
    row = model.objects.get()
    client.force_login(superuser)
    assert client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_enrollment_status_is_not_edited_by_hand(client, superuser, one_of_each):
    enrollment = one_of_each["enrollment"]
    client.force_login(superuser)
    page = client.get(_url(Enrollment, "change", enrollment.pk))
    data = {
        **_management_data(page),
        "receipt_no": "BL-0002",
        "status": EnrollmentStatus.REJECTED,
        "counted": "",
        "not_counted_reason": "rejected",
    }
    assert client.post(_url(Enrollment, "change", enrollment.pk), data).status_code == 302
    enrollment.refresh_from_db()
    assert (enrollment.receipt_no, enrollment.status, enrollment.counted) == ("BL-0002", "submitted", True)


# --- Enrollment search and filters --------------------------------------------------


@pytest.mark.parametrize(
    "term",
    [
        lambda e: e.client_ref,
        lambda e: e.receipt_no,
        lambda e: e.participant.personal_id,
        lambda e: e.participant.full_name,
        lambda e: e.agent.code,
        lambda e: e.agent.full_name,
    ],
    ids=["client_ref", "receipt_no", "personal_id", "participant_name", "agent_code", "agent_name"],
)
def test_enrollments_are_found_by(client, superuser, term):
    wanted = EnrollmentFactory(
        receipt_no="BL-7001",
        participant=ParticipantFactory(full_name="Nguyễn Thị Lan"),
        agent=AgentFactory(code="QN-BD-017", full_name="Trần Văn Bưu"),
    )
    other = EnrollmentFactory(receipt_no="BL-8002")
    client.force_login(superuser)
    response = client.get(_url(Enrollment, "changelist"), {"q": term(wanted)})
    assert list(response.context["cl"].result_list) == [wanted]
    assert other.client_ref not in response.text


def test_enrollment_list_filters_by_campaign_phase_product_status_and_counting(client, superuser):
    EnrollmentFactory.create_batch(2)  # two campaigns and two phases to choose from
    client.force_login(superuser)
    response = client.get(_url(Enrollment, "changelist"))
    paths = {spec.field_path for spec in response.context["cl"].filter_specs}
    assert paths == {"campaign", "phase", "product", "status", "counted", "not_counted_reason"}


# --- Changelists cost a fixed number of queries ------------------------------------


def _rows(factory: Callable[[], object]) -> Callable[[int], None]:
    def make(count: int) -> None:
        for _ in range(count):
            factory()

    return make


def _campaign_row(factory, **kwargs):
    """A row of a new campaign, with a phase and a cluster of that campaign."""
    campaign = CampaignFactory()
    return factory(
        campaign=campaign,
        phase=PhaseFactory(campaign=campaign),
        cluster=ClusterFactory(campaign=campaign),
        **kwargs,
    )


def _cluster():
    cluster = ClusterFactory()
    cluster.agents.add(AgentFactory())
    cluster.localities.add(DistrictFactory())
    return cluster


def _team():
    team = TeamFactory(locality=DistrictFactory(), unit=UnitFactory())
    team.members.add(AgentFactory())
    return team


def _prize_tier():
    return PrizeTierFactory(money=PrizeTier.Money.FIXED, amount=1_000_000)


def _plan_target():
    return PlanTargetFactory(scope=PlanTarget.Scope.LOCALITY, locality=DistrictFactory(), phase=PhaseFactory())


ROW_MAKERS: dict[type, Callable[[int], None]] = {
    PasswordState: _rows(lambda: password_mark_initial(user=UserFactory())),
    ApiToken: _rows(lambda: ApiToken.objects.create(UserFactory(), device="Máy tính bảng")[0]),
    Locality: _rows(DistrictFactory),
    Unit: _rows(lambda: UnitFactory(parent=UnitFactory(), locality=DistrictFactory())),
    ServiceOrganization: _rows(lambda: ServiceOrganizationFactory(locality=DistrictFactory())),
    Agent: _rows(lambda: AgentFactory(unit=UnitFactory())),
    StaffAssignment: _rows(lambda: StaffAssignment.objects.create(user=UserFactory(), unit=UnitFactory())),
    CommendationBar: _rows(
        lambda: CommendationBar.objects.create(
            agent=AgentFactory(unit=UnitFactory()), reason="investigation", start_date=date(2024, 3, 1)
        )
    ),
    Campaign: _rows(lambda: PhaseFactory().campaign),
    Phase: _rows(PhaseFactory),
    PhaseTransition: _rows(lambda: PhaseTransitionFactory(by=UserFactory())),
    Team: _rows(_team),
    Cluster: _rows(_cluster),
    Quota: _rows(lambda: _campaign_row(QuotaFactory)),
    PlanTarget: _rows(_plan_target),
    Indicator: _rows(IndicatorFactory),
    apps.get_model("campaigns", "IndicatorTarget"): _rows(IndicatorTargetFactory),
    apps.get_model("campaigns", "IndicatorValue"): _rows(lambda: IndicatorValueFactory(recorded_by=UserFactory())),
    AwardRule: _rows(lambda: PrizeTierFactory(rule=_campaign_row(AwardRuleFactory)).rule),
    PrizeTier: _rows(_prize_tier),
    Parameter: _rows(ParameterFactory),
    Participant: _rows(lambda: ParticipantFactory(locality=DistrictFactory())),
    CoveragePeriod: _rows(CoveragePeriodFactory),
    Enrollment: _rows(EnrollmentFactory),
    EnrollmentTransition: _rows(lambda: EnrollmentTransitionFactory(by=UserFactory())),
    Finalization: _rows(lambda: _result_chain()[0]),
    Standing: _rows(lambda: _result_chain()[1]),
    Award: _rows(lambda: _result_chain()[2]),
    AwardTransition: _rows(lambda: _result_chain()[3]),
    Nomination: _rows(lambda: _result_chain()[4]),
    NominationTransition: _rows(lambda: _result_chain()[5]),
    CouncilMeeting: _rows(lambda: _result_chain()[6]),
    DocumentTemplate: _rows(lambda: _result_chain()[7]),
    ExportJob: _rows(lambda: ExportJob.objects.create(kind="enrollments", requested_by=UserFactory())),
    Appeal: _rows(lambda: _result_chain()[5]),
    AppealEvent: _rows(lambda: _result_chain()[6]),
    PublicHoliday: _rows(lambda: PublicHoliday.objects.create(date=_next_holiday(), name="Ngày lễ")),
    EnrollmentImport: _rows(
        lambda: EnrollmentImport.objects.create(
            campaign=CampaignFactory(), requested_by=UserFactory(), filename="bien-lai.csv", content=b"", size=0
        )
    ),
    Tally: _rows(lambda: _tally()),
    TallyState: _rows(lambda: TallyState.objects.create(campaign=CampaignFactory())),
}


_HOLIDAYS = iter(range(1, 10_000))


def _next_holiday():
    from datetime import date, timedelta

    return date(2030, 1, 1) + timedelta(days=next(_HOLIDAYS))


def _tally():
    rule = _campaign_row(AwardRuleFactory)
    agent = AgentFactory()
    phase = PhaseFactory(campaign=rule.campaign)
    return Tally.objects.create(rule=rule, phase=phase, competitor_id=agent.pk, code=agent.code, name=agent.full_name)


def _result_chain() -> list:
    phase = PhaseFactory(campaign=CampaignFactory())
    rule = PrizeTierFactory(rule=AwardRuleFactory(campaign=phase.campaign)).rule
    return _results(phase, rule, AgentFactory(), UserFactory())


def test_every_project_model_has_a_row_maker():
    registered = {model for model in REGISTERED if model._meta.app_label in PROJECT_APPS}
    assert registered - set(ROW_MAKERS) == set()


@pytest.mark.parametrize("model", list(ROW_MAKERS), ids=_label)
def test_changelist_queries_do_not_grow_with_rows(client, superuser, django_assert_max_num_queries, model):
    client.force_login(superuser)
    url = _url(model, "changelist")
    ROW_MAKERS[model](5)
    with CaptureQueriesContext(connection) as few_rows:
        assert client.get(url).status_code == 200
    ROW_MAKERS[model](25)
    with django_assert_max_num_queries(len(few_rows.captured_queries)):
        response = client.get(url)
    assert response.context["cl"].result_count >= 30
