"""The enrollment API: thin adapters over ``enrollments.services``."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Conflict
from core.api import ErrorSerializer as ERROR
from core.db import retry_on_conflict
from core.reach import reach_of
from enrollments.contributions import contribution_quote
from enrollments.filters import EnrollmentFilter
from enrollments.models import Enrollment
from enrollments.selectors import agent_of, enrollments_visible_to
from enrollments.serializers import (
    BulkInSerializer,
    BulkResultSerializer,
    EnrollmentInSerializer,
    EnrollmentSerializer,
    QuoteQuerySerializer,
    QuoteSerializer,
    ReasonSerializer,
)
from enrollments.services import (
    enrollment_cancel,
    enrollment_confirm,
    enrollment_reject,
    enrollment_submit,
    enrollment_withdraw,
    enrollments_submit,
)


def _calling_agent(request):
    agent = agent_of(request.user)
    if agent is None or not agent.active:
        raise exceptions.PermissionDenied(_("Only active collection agents submit enrollments."))
    return agent


def _answered(enrollments=None):
    """Enrollments as the API answers them, with what ``EnrollmentSerializer`` reads."""
    enrollments = Enrollment.objects.all() if enrollments is None else enrollments
    return enrollments.select_related("campaign", "phase", "agent", "participant").order_by("-receipt_at", "-pk")


def _conflict(client_ref: str) -> Conflict:
    message = _("The client reference %(ref)s was already used for a different enrollment.") % {"ref": client_ref}
    return Conflict(message, errors={"client_ref": [message]})


class EnrollmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Enrollments: an agent submits and sees their own; staff review those of the campaigns they reach."""

    # enrollments_visible_to: staff within their reach (others' are not found), agents and managers their own.
    reach_scope = "reach"
    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilter

    def get_queryset(self):
        return _answered(enrollments_visible_to(self.request.user))

    @extend_schema(
        request=EnrollmentInSerializer,
        responses={
            201: EnrollmentSerializer,
            200: OpenApiResponse(EnrollmentSerializer, description="A replay of a stored submission."),
            400: ERROR,
            403: ERROR,
            409: ERROR,
            503: ERROR,
        },
    )
    def create(self, request):
        """Submit one enrollment. The caller is the agent; `client_ref` makes it idempotent."""
        agent = _calling_agent(request)
        parsed = EnrollmentInSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        result = retry_on_conflict(lambda: enrollment_submit(agent=agent, item=parsed.validated_data))
        if result.outcome == "invalid":
            raise exceptions.ValidationError(result.errors)
        if result.outcome == "conflict":
            raise _conflict(parsed.validated_data["client_ref"])
        code = status.HTTP_201_CREATED if result.outcome == "created" else status.HTTP_200_OK
        # The caller's own enrollment (a replay is looked up among the agent's): visible to them, so read
        # without the scope of ``enrollments_visible_to``, which costs a permission lookup.
        stored = _answered().get(pk=result.enrollment.pk, agent=agent)
        return Response(EnrollmentSerializer(stored).data, status=code)

    @extend_schema(request=BulkInSerializer, responses={200: BulkResultSerializer, 400: ERROR, 403: ERROR, 503: ERROR})
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Submit up to 1,000 enrollments; valid items are stored even when others fail."""
        agent = _calling_agent(request)
        envelope = BulkInSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        raw_items = envelope.validated_data["items"]
        # One serializer parses every item: building one per item would copy its
        # fields a thousand times over. Each item still gets its own errors.
        shape = EnrollmentInSerializer()
        parsed, shape_errors = [], {}
        for index, raw in enumerate(raw_items):
            try:
                parsed.append((index, shape.run_validation(raw)))
            except serializers.ValidationError as exc:
                shape_errors[index] = exc.detail
        items = [data for _index, data in parsed]
        outcomes = retry_on_conflict(lambda: enrollments_submit(agent=agent, items=items)) if items else []
        by_index = {index: outcome for (index, _data), outcome in zip(parsed, outcomes, strict=True)}
        results = []
        for index in range(len(raw_items)):
            if index in shape_errors:
                results.append(_bulk_row(index, "invalid", None, shape_errors[index], raw_items[index]))
                continue
            outcome = by_index[index]
            errors = outcome.errors
            if outcome.outcome == "conflict":
                errors = {"client_ref": [_("Already used for a different enrollment.")]}
            results.append(_bulk_row(index, outcome.outcome, outcome.enrollment, errors, raw_items[index]))
        tally = Counter(row["status"] for row in results)
        body = {
            "created": tally["created"],
            "replayed": tally["replayed"],
            "conflicts": tally["conflict"],
            "invalid": tally["invalid"],
            "results": results,
        }
        return Response(body, status=status.HTTP_200_OK)

    def _transition(self, request, pk, service, *, staff: bool):
        enrollment = self.get_object()
        if staff and not request.user.has_perm("enrollments.review_enrollment"):
            raise exceptions.PermissionDenied(_("Only reviewers confirm, reject or cancel enrollments."))
        if not staff and enrollment.agent_id != getattr(agent_of(request.user), "pk", None):
            raise exceptions.PermissionDenied(_("Only the agent who submitted it may withdraw an enrollment."))
        reason = ReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        kwargs = {"enrollment": enrollment, "by": request.user}
        if staff:
            kwargs["reach"] = reach_of(request.user)
        if service is not enrollment_confirm:
            kwargs["reason"] = reason.validated_data["reason"]
        updated = retry_on_conflict(lambda: service(**kwargs))
        updated = self.get_queryset().get(pk=updated.pk)
        return Response(EnrollmentSerializer(updated).data)

    @extend_schema(request=None, responses={200: EnrollmentSerializer, 403: ERROR, 404: ERROR, 409: ERROR, 503: ERROR})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Staff: confirm a submitted enrollment (its coverage is then on record)."""
        return self._transition(request, pk, enrollment_confirm, staff=True)

    @extend_schema(request=ReasonSerializer, responses={200: EnrollmentSerializer, 400: ERROR, 403: ERROR, 503: ERROR})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Staff: reject a submitted enrollment, with the reason."""
        return self._transition(request, pk, enrollment_reject, staff=True)

    @extend_schema(request=ReasonSerializer, responses={200: EnrollmentSerializer, 400: ERROR, 403: ERROR, 503: ERROR})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Staff: cancel a confirmed enrollment (a refund), with the reason."""
        return self._transition(request, pk, enrollment_cancel, staff=True)

    @extend_schema(request=ReasonSerializer, responses={200: EnrollmentSerializer, 403: ERROR, 409: ERROR, 503: ERROR})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The agent withdraws their own enrollment while it is still submitted."""
        return self._transition(request, pk, enrollment_withdraw, staff=False)


def _bulk_row(index, outcome, enrollment, errors, raw):
    return {
        "index": index,
        "status": outcome,
        "id": enrollment.pk if enrollment is not None else None,
        "client_ref": enrollment.client_ref if enrollment is not None else (raw or {}).get("client_ref"),
        "counted": enrollment.counted if enrollment is not None else None,
        "not_counted_reason": enrollment.not_counted_reason if enrollment is not None else None,
        "amount_due": enrollment.amount_due if enrollment is not None else None,
        "errors": errors or {},
    }


class QuoteView(APIView):
    """What a person would pay, and the state support, before submitting."""

    reach_scope = "public"  # reference values only: nobody's data

    @extend_schema(parameters=[QuoteQuerySerializer], responses={200: QuoteSerializer, 400: ERROR})
    def get(self, request):
        query = QuoteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        quote = contribution_quote(
            product=data["product"],
            on=data.get("date") or timezone.localdate(),
            payment_months=data["payment_months"],
            declared_income=data.get("declared_income"),
            household_category=data["household_category"],
            household_member_order=data.get("household_member_order"),
        )
        return Response(QuoteSerializer(quote).data)
