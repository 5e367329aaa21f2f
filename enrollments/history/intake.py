"""The rows of one chunk of an enrollment import, through the enrollment intake.

``_StaffIntake`` is the API's intake (``enrollments.services._Intake``) with
the differences of a staff import of history:

- the rows name their agents, who must take part in the campaign (drafts
  included: a campaign is loaded before it starts);
- a receipt is placed in a phase by the phases' dates only: the submission
  grace does not apply, and a closed phase still takes its history; a
  finalized phase does not (reopen it first);
- the receipt number identifies the receipt within the campaign: a number
  already stored with the same details is unchanged, with other details it
  is an error.

Everything else (identity, age, contribution, counting, history rows, the
standings kept on write) is the intake's own code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campaigns.membership import campaign_members
from campaigns.models import Campaign, Phase
from campaigns.selectors import Participation
from collectors.models import Agent
from enrollments.models import Enrollment
from enrollments.services import SubmitResult, _Intake, normalize_name

# The campaign statuses an import loads enrollments into.
IMPORTABLE = (Campaign.Status.DRAFT, Campaign.Status.RUNNING, Campaign.Status.CLOSED)


class Participants:
    """The agents of an import by code, and their participation in its campaign:
    who takes part, and in which cluster, is read once for every agent
    (``campaigns.membership``, the rules of ``agent_participations`` in one
    statement)."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self._members = campaign_members(campaign=campaign)
        self._clusters = {cluster.pk: cluster for cluster in campaign.clusters.all()}
        self._phases = list(campaign.phases.order_by("start"))
        for phase in self._phases:
            phase.campaign = campaign
        self._agents: dict[str, Agent | None] = {}
        self._participations: dict[int, Participation] = {}

    def load(self, codes: set[str]) -> None:
        wanted = codes - set(self._agents)
        if wanted:
            found = {agent.code: agent for agent in Agent.objects.filter(code__in=wanted)}
            self._agents.update({code: found.get(code) for code in wanted})

    def agent(self, code: str) -> Agent | None:
        return self._agents.get(code)

    def participation(self, agent: Agent) -> Participation | None:
        if agent.pk not in self._members:
            return None
        if agent.pk not in self._participations:
            cluster = self._clusters.get(self._members[agent.pk])
            self._participations[agent.pk] = Participation(campaign=self.campaign, cluster=cluster, phases=self._phases)
        return self._participations[agent.pk]


class _StaffIntake(_Intake):
    def __init__(self, *, campaign: Campaign, items: list[dict[str, Any]], agents: list[Agent], people, now):
        # Not the agent's own batch: no agent of its own, and its participations come from ``people``.
        self.campaign = campaign
        self.agents = agents  # one per item
        self.people = people
        super().__init__(agent=agents[0], items=items, now=now)

    def _participations(self):
        return []  # per item: ``_candidates``

    def _key(self, item):
        return item["receipt_no"]

    def _stored(self, items):
        numbers = {item["receipt_no"] for item in items}
        stored = Enrollment.objects.filter(campaign=self.campaign, receipt_no__in=numbers).select_related(
            "campaign", "phase", "participant", "agent"
        )
        # Several enrollments may share a number submitted by agents themselves: the first is the one compared.
        found: dict[str, Enrollment] = {}
        for enrollment in stored.order_by("pk"):
            found.setdefault(enrollment.receipt_no, enrollment)
        return found

    def _same(self, stored, item, fingerprint):
        person = item["participant"]
        return (
            stored.agent_id == self._agent_of(item).pk
            and stored.participant.personal_id == person["personal_id"]
            and normalize_name(stored.participant.full_name).casefold()
            == normalize_name(person["full_name"]).casefold()
            and stored.product == item["product"]
            and stored.receipt_at == item["receipt_at"]
            and stored.payment_months == item["payment_months"]
        )

    def _lock_agents(self):
        pks = sorted({agent.pk for agent in self.agents})
        list(Agent.objects.select_for_update(no_key=True).filter(pk__in=pks).order_by("pk").values("pk"))

    def _candidates(self, item):
        participation = self.people.participation(self._agent_of(item))
        return [participation] if participation is not None else []

    def _agent_of(self, item):
        return item["agent"]

    def _refused_phase(self, phase: Phase) -> list[str]:
        if phase.status == Phase.Status.FINALIZED:
            return [_("%(phase)s is finalized: reopen it before importing into it.") % {"phase": phase.name}]
        return []


def enrollments_import(
    *, campaign: Campaign, items: list[dict[str, Any]], people: Participants, now: datetime
) -> list[SubmitResult]:
    """Take a chunk of an import's items (each with its ``agent``) into ``campaign``;
    a result per item, in order (see ``enrollments.services.enrollments_submit``).
    The caller holds the transaction."""
    assert transaction.get_connection().in_atomic_block
    for item in items:
        item["campaign"] = campaign.code
    agents = [item["agent"] for item in items]
    return _StaffIntake(campaign=campaign, items=items, agents=agents, people=people, now=now).run()


def conflict_message(stored: Enrollment) -> str:
    """Why a row repeating a stored receipt number with other details is refused."""
    return _(
        "Receipt number %(number)s is already recorded with other details "
        "(agent %(agent)s, personal ID %(personal_id)s, %(product)s, received %(at)s)."
    ) % {
        "number": stored.receipt_no,
        "agent": stored.agent.code,
        "personal_id": stored.participant.personal_id,
        "product": stored.product,
        "at": date_format(stored.receipt_at.astimezone(stored.campaign.tzinfo), "d/m/Y H:i"),
    }
