"""Whose numbers a reader reads in a campaign: everyone's, those of the agents of
some service organizations, or one agent's own."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from enrollments.models import Enrollment


@dataclass(frozen=True)
class Scope:
    """Everyone's numbers (staff), those of the agents of the organizations a
    manager manages, or one agent's own (``agent_id``)."""

    everything: bool = False
    organization_ids: tuple[int, ...] = ()
    agent_id: int | None = None

    @property
    def organizations_only(self) -> bool:
        """The numbers of some organizations' agents (a manager's), not everyone's nor one agent's."""
        return not self.everything and self.agent_id is None

    def enrollments(self, enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
        """``enrollments`` restricted to this scope."""
        if self.everything:
            return enrollments
        if self.agent_id is not None:
            return enrollments.filter(agent_id=self.agent_id)
        return enrollments.filter(agent__organization_id__in=self.organization_ids)
