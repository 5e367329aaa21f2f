"""Two provinces in one national deployment (DESIGN §10), for the tests of offices' reach.

``build_offices`` makes Vietnam Social Security (``VSS``) and, under it, the
provincial offices of Quảng Nam (``BHXH-49``, with a district office
``BHXH-49-502``) and Tây Ninh (``BHXH-72``). Each province runs a contest of its
own (``tests.contest``: campaign ``qn`` or ``tn``) with a row of every kind an
office owns: phase 1 closed and finalized (standings, proposed awards, a
nomination, a council meeting), phase 2 open with one enrollment submitted and one confirmed
through the service (its history and coverage), a team, a plan target, an
indicator with a target and a value, an export job, an enrollment import, the province's own Word
template of the submission, and a staff member holding
every role (``staff``) who works for the province. Besides them: a staff member
of Vietnam Social Security holding every role (``national``), and one holding
every role without a unit (``unitless``), who reaches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from awards.documents.render import shipped_template
from awards.documents.services import council_meeting_record
from awards.models import Appeal, AppealEvent, Award, DocumentTemplate, Nomination
from awards.nominations import nomination_outside
from awards.services import phase_finalize
from awards.tally import tally_rebuild
from campaigns.models import Campaign, Phase
from campaigns.roles import GROUP_NAMES
from campaigns.services import phase_close
from collectors.models import Agent, CommendationBar, ServiceOrganization, Unit
from core.models import ExportJob
from enrollments.choices import EnrollmentStatus
from enrollments.models import Enrollment, EnrollmentImport, EnrollmentImportError
from enrollments.services import enrollment_confirm
from tests.contest import Contest, build_contest
from tests.factories import (
    IndicatorFactory,
    IndicatorTargetFactory,
    IndicatorValueFactory,
    PlanTargetFactory,
    ServiceOrganizationFactory,
    TeamFactory,
    UnitFactory,
    UserFactory,
    assign_unit,
    vss_unit,
)

PASSWORD = "pass-12345"  # UserFactory's


@dataclass
class Office:
    """One province: its unit, its campaign's contest and the rows the tests reach for."""

    unit: Unit
    district: Unit
    contest: Contest
    organization: ServiceOrganization
    staff: object  # a user holding every role, working for ``unit``
    submitted: Enrollment  # phase 2, waiting for review
    confirmed: Enrollment  # phase 2, confirmed through the service
    job: ExportJob

    @property
    def campaign(self) -> Campaign:
        return self.contest.campaign

    @property
    def finalized(self) -> Phase:
        return self.contest.phases[0]

    @property
    def open_phase(self) -> Phase:
        return self.contest.phases[1]

    @property
    def award(self) -> Award:
        return Award.objects.filter(phase=self.finalized).order_by("pk").first()

    @property
    def appeal(self) -> Appeal:
        return Appeal.objects.get(phase=self.finalized)

    @property
    def agent(self) -> Agent:
        return next(iter(self.contest.agents.values()))


@dataclass
class Offices:
    vss: Unit
    quang_nam: Office
    tay_ninh: Office
    national: object  # every role, Vietnam Social Security
    unitless: object  # every role, no unit


def staff_with_every_role(username: str, unit: Unit | None):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=GROUP_NAMES.values()))
    if unit is not None:
        assign_unit(user, unit)
    return user


def build_office(*, vss: Unit, code: str, prefix: str, unit_code: str, name: str) -> Office:
    unit = UnitFactory(code=unit_code, name=name, kind=Unit.Kind.PROVINCE, parent=vss)
    district = UnitFactory(code=f"{unit_code}-01", name=f"{name} – cơ sở", kind=Unit.Kind.DISTRICT, parent=unit)
    organization = ServiceOrganizationFactory(code=f"BD-{prefix}", name=f"Bưu điện {name}", contracting_unit=unit)
    agents = (f"{prefix}E1", f"{prefix}E2", f"{prefix}W1")
    contest = build_contest(
        code=code,
        east=agents[:2],
        west=agents[2:],
        second_phase=True,
        organizer=unit,
        districts=(f"{prefix}-E", f"{prefix}-W"),
        organizations=dict.fromkeys(agents, organization),
        logins=True,
    )
    campaign = contest.campaign
    contest.sell(agents[0], 5)
    contest.sell(agents[1], 3, hours=1)
    contest.sell(agents[2], 2)
    phase_close(phase=contest.phase)
    finalization = phase_finalize(phase_id=contest.phase.pk)
    appellant = contest.agents[agents[2]]
    appeal = Appeal.objects.create(
        phase=contest.phase,
        finalization=finalization,
        competitor_kind="agent",
        agent=appellant,
        competitor_code=appellant.code,
        competitor_name=appellant.full_name,
        text="Hồ sơ chưa được tính.",
        attachment=b"%PDF-1.4\n%%EOF\n",
        attachment_name="bien-lai.pdf",
        attachment_type="pdf",
        filed_by=appellant.user,
        filed_at=finalization.at,
        status=Appeal.Status.DISMISSED,
        reply="Không có căn cứ.",
        answered_at=finalization.at,
    )
    AppealEvent.objects.create(appeal=appeal, to_status="open", by=appellant.user, at=appeal.filed_at)
    AppealEvent.objects.create(appeal=appeal, from_status="open", to_status="dismissed", at=appeal.answered_at)
    waiting = contest.sell(agents[0], 2, phase=contest.phases[1], day=0, hours=1, status=EnrollmentStatus.SUBMITTED)
    for number, enrollment in enumerate(waiting):
        Enrollment.objects.filter(pk=enrollment.pk).update(receipt_no=f"BL-{prefix}-{number}")
    confirmed = enrollment_confirm(enrollment=waiting[1])
    # A bar from commendation long over: it bars no phase of the contest.
    CommendationBar.objects.create(
        agent=contest.agents[agents[2]],
        reason=CommendationBar.Reason.DISCIPLINE,
        start_date=date(2000, 1, 1),
        end_date=date(2000, 12, 31),
        note=f"QĐ 01/{prefix}",
    )
    tally_rebuild(campaign_id=campaign.pk, force=True)  # the provisional boards, kept on write
    nomination_outside(campaign=campaign, full_name=f"Ông Nguyễn Văn {prefix}", job_title="Chủ tịch UBND xã")
    council_meeting_record(
        phase=contest.phase,
        by=None,
        minutes_number=f"01/BB-{prefix}",
        held_at=timezone.now(),
        chair=f"Chủ tịch {prefix}",
        secretary=f"Thư ký {prefix}",
        members_total=7,
        members_present=7,
        votes_for=7,
    )
    template = DocumentTemplate(unit=unit, kind=DocumentTemplate.Kind.SUBMISSION, note=f"Mẫu của {name}")
    template.file.save(f"to-trinh-{prefix}.docx", ContentFile(shipped_template("submission").read_bytes()))
    team = TeamFactory(campaign=campaign, code=f"T-{prefix}", unit=unit)
    team.members.add(contest.agents[agents[0]])
    PlanTargetFactory(campaign=campaign, scope="unit", unit=unit, target=40)
    indicator = IndicatorFactory(campaign=campaign, code=f"IND-{prefix}")
    IndicatorTargetFactory(indicator=indicator, unit=unit)
    IndicatorValueFactory(indicator=indicator, unit=unit, phase=contest.phases[1])
    staff = staff_with_every_role(f"staff-{prefix.lower()}", unit)
    job = ExportJob.objects.create(
        kind="progress",
        params={"campaign": campaign.code, "phase": None},
        requested_by=staff,
        status=ExportJob.Status.DONE,
        content=b"PK",
        size=2,
        rows=1,
        finished_at=timezone.now(),
        filename=f"tien-do-{code}.xlsx",
    )
    # An enrollment import of the campaign's history, done, with a row it did not take.
    imported = EnrollmentImport.objects.create(
        campaign=campaign,
        requested_by=staff,
        filename=f"bien-lai-{code}.csv",
        content=b"",
        size=0,
        status=EnrollmentImport.Status.DONE,
        processed_rows=1,
        error_count=1,
        finished_at=timezone.now(),
    )
    EnrollmentImportError.objects.create(job=imported, row=2, receipt_no=f"BL-{prefix}-X", messages=["Số CCCD: sai"])
    return Office(
        unit=unit,
        district=district,
        contest=contest,
        organization=organization,
        staff=staff,
        submitted=Enrollment.objects.get(pk=waiting[0].pk),
        confirmed=confirmed,
        job=job,
    )


def build_offices() -> Offices:
    vss = vss_unit()
    return Offices(
        vss=vss,
        quang_nam=build_office(vss=vss, code="qn", prefix="QN", unit_code="BHXH-49", name="BHXH tỉnh Quảng Nam"),
        tay_ninh=build_office(vss=vss, code="tn", prefix="TN", unit_code="BHXH-72", name="BHXH tỉnh Tây Ninh"),
        national=staff_with_every_role("staff-vss", vss),
        unitless=staff_with_every_role("staff-none", None),
    )


def nomination_of(office: Office) -> Nomination:
    return Nomination.objects.get(campaign=office.campaign)
