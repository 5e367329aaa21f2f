"""Reads on enrollments, scoped to what a user may see."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Q, QuerySet

from collectors.models import Agent
from collectors.selectors import user_reach
from core.reach import Reach, reach_q, register_reach_path
from enrollments.choices import counting_statuses
from enrollments.models import (
    CoveragePeriod,
    Enrollment,
    EnrollmentImport,
    EnrollmentImportError,
    EnrollmentTransition,
    Participant,
)

# An enrollment belongs to its campaign's organizer (core.reach, DESIGN §10); a person to the
# offices of the campaigns they enrolled in, or, known only from the coverage history, to none.
register_reach_path(Enrollment, "campaign__organizer")
register_reach_path(EnrollmentImport, "campaign__organizer")
register_reach_path(EnrollmentImportError, "job__campaign__organizer")
register_reach_path(EnrollmentTransition, "enrollment__campaign__organizer")
register_reach_path(Participant, "enrollments__campaign__organizer", unowned="enrollments")
register_reach_path(CoveragePeriod, "participant__enrollments__campaign__organizer", unowned="participant__enrollments")


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
    """Staff with the view permission see the enrollments of the campaigns within
    their reach (``core.reach``); an agent their own; a service organization
    manager their organization's agents'. Nobody else any."""
    enrollments = Enrollment.objects.all()
    scope = Q(pk__in=[])
    if user.is_authenticated and user.has_perm("enrollments.view_enrollment"):
        reach = user_reach(user)
        if reach.everything:
            return enrollments
        if not reach.nothing:
            scope |= reach_q(Enrollment, reach)
    agent = agent_of(user)
    if agent is not None:
        scope |= Q(agent=agent)
    if user.is_authenticated:
        organization_ids = list(user.managed_organizations.values_list("pk", flat=True))
        if organization_ids:
            scope |= Q(agent__organization_id__in=organization_ids)
    return enrollments.filter(scope)


def people_covered(*, on: date, products: Iterable[str], reach: Reach) -> dict[str, int]:
    """How many people were covered by each of ``products`` on ``on`` (a stock, not
    new participants): distinct people with a coverage period, imported from the
    core system or made by a confirmed enrollment, spanning that day, among the
    people within ``reach`` (those enrolled in its campaigns, and those known from
    the coverage history only). One GROUP BY."""
    people = Participant.objects.filter(reach_q(Participant, reach)).values("pk")
    periods = CoveragePeriod.objects.filter(product__in=list(products), start__lte=on, end__gte=on)
    if not reach.everything:
        periods = periods.filter(participant_id__in=people)
    rows = periods.values_list("product").annotate(n=Count("participant_id", distinct=True)).order_by()
    return dict(rows)
