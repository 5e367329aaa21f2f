"""Reads on enrollments, scoped to what a user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from collectors.models import Agent
from enrollments.choices import counting_statuses
from enrollments.models import Enrollment


def agent_of(user) -> Agent | None:
    """The agent a login belongs to, or None."""
    if not user.is_authenticated:
        return None
    try:
        return user.agent
    except Agent.DoesNotExist:
        return None


def counted_enrollments(*, final: bool = False) -> QuerySet[Enrollment]:
    """The enrollments that count: provisional (submitted or confirmed) unless ``final`` (confirmed only).
    Every figure of counted new participants starts from here."""
    return Enrollment.objects.filter(counted=True, status__in=counting_statuses(final=final))


def enrollments_visible_to(user) -> QuerySet[Enrollment]:
    """Staff with the view permission see every enrollment; an agent their own;
    a service organization manager their organization's agents'. Nobody else any."""
    enrollments = Enrollment.objects.all()
    if user.is_authenticated and user.has_perm("enrollments.view_enrollment"):
        return enrollments
    scope = Q(pk__in=[])
    agent = agent_of(user)
    if agent is not None:
        scope |= Q(agent=agent)
    if user.is_authenticated:
        organization_ids = list(user.managed_organizations.values_list("pk", flat=True))
        if organization_ids:
            scope |= Q(agent__organization_id__in=organization_ids)
    return enrollments.filter(scope)
