"""The award procedure after finalizing, end to end on two seed campaigns (DESIGN §3, §11):
finalize, the public notice, an appeal upheld then the phase corrected and finalized again,
an appeal dismissed, and the approval refused while the notice runs or an appeal is open,
then allowed. Everything goes through the real services."""

from __future__ import annotations

from datetime import date

import pytest

from awards.appeals.models import Appeal
from awards.appeals.rules import Subject
from awards.appeals.services import appeal_answer, appeal_file
from awards.documents.render import KINDS, render_document
from awards.documents.services import council_meeting_record
from awards.models import Award
from awards.services import award_approve, award_review, phase_finalize
from campaigns.models import CompetitorKind, IndicatorValue, Phase
from campaigns.services import phase_close
from collectors.models import Locality, ServiceOrganization, Unit
from core.errors import InvalidTransition
from enrollments.choices import EnrollmentStatus
from enrollments.models import Enrollment
from enrollments.services import enrollment_confirm
from tests.awards.test_documents import annex, text_of
from tests.awards.test_seed_campaigns import add_indicator_values, at, every, import_campaign, sell
from tests.factories import AgentFactory, UserFactory, assign_unit

pytestmark = pytest.mark.django_db


def winners(phase: Phase) -> list[str]:
    awards = Award.objects.filter(phase=phase, status__in=Award.ACTIVE).order_by("tier__position", "standing__position")
    return [award.competitor_code for award in awards]


def review_all(phase: Phase, *, by) -> list[Award]:
    awards = list(Award.objects.filter(phase=phase, status=Award.Status.PROPOSED).order_by("pk"))
    for award in awards:
        award_review(award=award, by=by, minutes="BB-05/HĐTĐKT")
    return awards


def dossier(phase: Phase, *, held_at) -> dict[str, bytes]:
    """The council's meeting recorded, then the dossier's three Word documents of the phase."""
    phase.refresh_from_db()  # finalized again after the correction
    council_meeting_record(
        phase=phase,
        by=None,
        minutes_number="05/BB-HĐTĐKT",
        held_at=held_at,
        chair="Chủ tịch Hội đồng",
        secretary="Thư ký Hội đồng",
        members_total=7,
        members_present=7,
        votes_for=6,
        votes_against=1,
    )
    return {kind: render_document(phase=phase, kind=kind, number="88/QĐ-BHXH").content for kind in KINDS}


def assert_dossier_lists(documents: dict[str, bytes], approved: list[Award]) -> None:
    for content in documents.values():
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text_of(content)
    names = [row[1] for row in annex(documents["decision"])[1:-1]]
    assert sorted(award.competitor_name for award in approved) == sorted(names[: len(approved)])
    assert "Bằng chữ" in text_of(documents["decision"])


def approve_refused(award: Award, *, by, now) -> str:
    with pytest.raises(InvalidTransition) as refused:
        award_approve(award=award, by=by, decision_number="QĐ-88/QĐ-BHXH", decision_date=now.date(), now=now)
    award.refresh_from_db()
    assert award.status == Award.Status.REVIEWED
    return str(refused.value)


def test_quang_nam_2024_notice_an_upheld_and_a_dismissed_appeal_then_approval(
    reviewer, campaign_manager, council_member, director
):
    campaign = import_campaign("quang-nam-2024")
    assert campaign.notice_days == 5  # the default: the example file leaves it out
    phase = campaign.phases.get(number=1)
    post_office = ServiceOrganization.objects.get(code="BD-49")
    districts = Locality.objects.in_bulk(["509", "512", "514", "518"], field_name="code")
    now = at(2024, 6, 28, 18)
    # Cluster 2 (no quota): 6, 5 and 4 take the three prizes; Phú Ninh has 3 confirmed and 2 left unconfirmed.
    agents = {}
    for code, district, count in (("QN-QS-11", "509", 6), ("QN-HD-12", "512", 5), ("QN-TP-14", "514", 4)):
        agents[code] = AgentFactory(code=code, organization=post_office, locality=districts[district])
        sell(agents[code], every(at(2024, 5, 2, 8), count, hours=24), province="049", now=now)
    phu_ninh = AgentFactory(code="QN-PN-13", organization=post_office, locality=districts["518"])
    phu_ninh.user = UserFactory(username="qn-pn-13")
    phu_ninh.save()
    sell(phu_ninh, every(at(2024, 5, 1, 8), 5, hours=24), province="049", now=now)
    manager = UserFactory(username="quanly-buudien")
    post_office.managers.add(manager)
    left_out = list(Enrollment.objects.filter(agent=phu_ninh).order_by("receipt_at")[3:])
    for enrollment in Enrollment.objects.filter(phase=phase, status=EnrollmentStatus.SUBMITTED).order_by("pk"):
        if enrollment not in left_out:
            enrollment_confirm(enrollment=enrollment, by=reviewer)

    # Finalized on Tuesday 02/07/2024: the notice runs 5 working days, until Wednesday 10/07 00:00.
    phase_close(phase=phase, by=campaign_manager, reason="Hết đợt 1")
    first = phase_finalize(phase_id=phase.pk, by=campaign_manager, now=at(2024, 7, 2, 9))
    assert first.notice_ends_at == at(2024, 7, 10)
    assert winners(phase) == ["QN-QS-11", "QN-HD-12", "QN-TP-14"]
    award = review_all(phase, by=council_member)[0]
    assert "10/07/2024 00:00" in approve_refused(award, by=director, now=at(2024, 7, 5, 9))

    # Phú Ninh appeals about an enrollment that was never confirmed; the council upholds it.
    upheld = appeal_file(
        by=phu_ninh.user,
        phase=phase,
        text="Hai biên lai đã nộp nhưng chưa được xác nhận.",
        subject=Subject(kind=CompetitorKind.AGENT, agent=phu_ninh, enrollment=left_out[0]),
        now=at(2024, 7, 3, 10),
    )
    appeal_answer(appeal=upheld, by=council_member, upheld=True, reply="Chấp nhận; xác nhận bổ sung 2 biên lai.")
    phase.refresh_from_db()
    assert phase.status == Phase.Status.CLOSED
    for enrollment in left_out:
        enrollment_confirm(enrollment=enrollment, by=reviewer)
    second = phase_finalize(phase_id=phase.pk, by=campaign_manager, now=at(2024, 7, 4, 9))
    upheld.refresh_from_db()
    assert upheld.correction == second and second.changes["appeals"] == [upheld.pk]
    assert winners(phase) == ["QN-QS-11", "QN-PN-13", "QN-HD-12"]
    assert second.notice_ends_at == at(2024, 7, 12)  # a new notice period: Fri 5 … Thu 11

    # The post office's manager appeals about Tiên Phước, who lost the third prize; dismissed.
    dismissed = appeal_file(
        by=manager,
        phase=phase,
        text="Đề nghị xem xét lại kết quả của QN-TP-14.",
        subject=Subject(kind=CompetitorKind.AGENT, agent=agents["QN-TP-14"]),
        now=at(2024, 7, 5, 15),
    )
    award = review_all(phase, by=council_member)[0]
    refusal = approve_refused(award, by=director, now=at(2024, 7, 12, 8))
    assert "12/07/2024" not in refusal and phase.name in refusal  # the period is over: the open appeal blocks
    appeal_answer(appeal=dismissed, by=council_member, upheld=False, reply="Đúng quy định; giữ nguyên kết quả.")
    assert [a.status for a in Appeal.objects.order_by("pk")] == ["upheld", "dismissed"]
    approved = award_approve(
        award=award,
        by=director,
        decision_number="QĐ-88/QĐ-BHXH",
        decision_date=date(2024, 7, 15),
        now=at(2024, 7, 12, 8),
    )
    assert approved.status == Award.Status.APPROVED
    assert_dossier_lists(dossier(phase, held_at=at(2024, 7, 12, 9)), [approved])


def test_vss_q4_2017_an_office_appeals_its_indicator_value_and_another_is_dismissed(
    campaign_manager, council_member, director
):
    campaign = import_campaign("vss-q4-2017")
    phase = campaign.phases.get()
    add_indicator_values(
        campaign,
        phase,
        {
            "BHXH-79": ("53.6", "44.8", "91.52", "1.7"),
            "BHXH-74": ("80.4", "44.8", "83.2", "1.6"),
            "BHXH-72": ("53.6", "44.8", "99.84", "2.5"),
            "BHXH-01": ("40.2", "33.6", "91.52", "3.2"),
            "BHXH-31": ("33.5", "28.0", "87.36", "2.0"),
            "BHXH-49": ("26.8", "22.4", "83.2", "2.0"),
            "BHXH-38": ("29.48", "24.64", "87.36", "2.5"),
            "BHXH-40": ("28.14", "23.52", "84.864", "2.4"),  # seventh: no prize
        },
    )
    phase_close(phase=phase, by=campaign_manager, reason="Hết quý IV")
    finalized = at(2018, 1, 8, 9)
    first = phase_finalize(phase_id=phase.pk, by=campaign_manager, now=finalized)
    assert "BHXH-40" not in winners(phase) and "BHXH-38" in winners(phase)
    award = review_all(phase, by=council_member)[0]
    during = finalized + (first.notice_ends_at - finalized) / 4
    assert phase.name in approve_refused(award, by=director, now=during)

    # The staff of BHXH-40 (Nghệ An) appeal: their debt ratio was 1.5, not 2.4. Upheld, corrected, finalized again.
    nghe_an = UserFactory(username="bhxh-40")
    assign_unit(nghe_an, Unit.objects.get(code="BHXH-40"))
    upheld = appeal_file(
        by=nghe_an,
        phase=phase,
        text="Tỷ lệ nợ của BHXH tỉnh là 1,5%, không phải 2,4%.",
        subject=Subject(kind=CompetitorKind.UNIT, unit=Unit.objects.get(code="BHXH-40")),
        now=during,
    )
    appeal_answer(appeal=upheld, by=council_member, upheld=True, reply="Chấp nhận theo số liệu đối chiếu.")
    debt = IndicatorValue.objects.filter(unit__code="BHXH-40", phase=phase).order_by("indicator__position").last()
    debt.value = "1.5"
    debt.save()
    second = phase_finalize(phase_id=phase.pk, by=campaign_manager, now=during)
    upheld.refresh_from_db()
    assert upheld.correction == second
    assert "BHXH-40" in winners(phase) and "BHXH-38" not in winners(phase)
    lost = {entry["competitor"].split(" · ")[0] for entry in second.changes["lost"]}
    assert lost == {"BHXH-38"}

    # The staff of BHXH-72 (Tây Ninh) appeal too; dismissed: their debt equals the limit, which is not below it.
    tay_ninh = UserFactory(username="bhxh-72")
    assign_unit(tay_ninh, Unit.objects.get(code="BHXH-72"))
    dismissed = appeal_file(
        by=tay_ninh,
        phase=phase,
        text="Đề nghị công nhận đạt chỉ tiêu nợ.",
        subject=Subject(kind=CompetitorKind.UNIT, unit=Unit.objects.get(code="BHXH-72")),
        now=during,
    )
    award = review_all(phase, by=council_member)[0]
    after = second.notice_ends_at
    assert "1" in approve_refused(award, by=director, now=after)  # the open appeal
    appeal_answer(appeal=dismissed, by=council_member, upheld=False, reply="Chỉ tiêu nợ phải thấp hơn mức giao.")
    award_approve(award=award, by=director, decision_number="QĐ-12/QĐ-BHXH", decision_date=date(2018, 1, 20), now=after)
    approved = Award.objects.get(pk=award.pk)
    assert approved.status == Award.Status.APPROVED
    assert_dossier_lists(dossier(phase, held_at=after), [approved])
