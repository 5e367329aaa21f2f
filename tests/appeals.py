"""A contest whose phase 1 is finalized and under public notice, for the appeals tests.

``noticed_contest`` builds the shared contest (``tests.contest``) with logins for
its agents, a notice period of 5 working days, agent E1 in a service
organization managed by ``manager``, a few sales (E1 5, E2 3, E3 2 short of
cluster 1's quota of 3, W1 1), and finalizes phase 1 at ``FINALIZED`` through the
services: the notice runs until midnight after the fifth working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from awards.models import Finalization
from awards.services import phase_finalize
from campaigns.models import Campaign, Phase
from campaigns.services import phase_close
from collectors.models import ServiceOrganization, Unit
from tests.contest import Contest, build_contest
from tests.factories import ServiceOrganizationFactory, UserFactory

PASSWORD = "pass-12345"  # UserFactory's


@dataclass
class Noticed:
    contest: Contest
    organization: ServiceOrganization
    manager: object
    finalization: Finalization
    finalized_at: datetime

    @property
    def phase(self) -> Phase:
        return self.contest.phase

    @property
    def during(self) -> datetime:
        """A moment inside the notice period."""
        return self.finalized_at + timedelta(hours=1)

    @property
    def after(self) -> datetime:
        """A moment after the notice period."""
        return self.finalization.notice_ends_at + timedelta(minutes=1)

    def agent(self, code: str):
        return self.contest.agents[code]

    def user(self, code: str):
        return self.contest.agents[code].user


def noticed_contest(*, organizer: Unit | None = None, notice_days: int = 5, by=None) -> Noticed:
    contest = build_contest(logins=True, organizer=organizer)
    Campaign.objects.filter(pk=contest.campaign.pk).update(notice_days=notice_days)
    contest.campaign.refresh_from_db()
    organization = ServiceOrganizationFactory(code="BD-QN", name="Bưu điện tỉnh")
    manager = UserFactory(username="quanly")
    organization.managers.add(manager)
    e1 = contest.agents["E1"]
    e1.organization = organization
    e1.save()
    contest.sell("E1", 5)
    contest.sell("E2", 3, hours=1)
    contest.sell("E3", 2)
    contest.sell("W1", 1)
    phase_close(phase=contest.phase, by=by, reason="Hết thời gian thi đua")
    finalized_at = timezone.now()
    finalization = phase_finalize(phase_id=contest.phase.pk, by=by, now=finalized_at)
    contest.phase.refresh_from_db()
    return Noticed(
        contest=contest,
        organization=organization,
        manager=manager,
        finalization=finalization,
        finalized_at=finalized_at,
    )
