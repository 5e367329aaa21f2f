"""The caller's own notices and what they want to be told: thin adapters over
``reports.notices``. Nobody reads or marks anyone else's notices: another
user's notice is not found."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer as ERROR
from core.parsers import BoundedJSONParser
from reports.filters import NoticeFilter
from reports.notices.selectors import notice_preferences, notices_of
from reports.notices.serializers import (
    NoticeSerializer,
    PreferenceChangeSerializer,
    PreferenceSerializer,
    ReadAllSerializer,
)
from reports.notices.services import notice_mark_read, notice_preferences_set, notices_mark_all_read


class MyNoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's notices, newest first: `?read=false` lists the unread (its `count` is the bell's figure)."""

    reach_scope = "own"  # the caller's own notices only
    lookup_value_regex = r"\d+"
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilter

    def get_queryset(self):
        return notices_of(self.request.user)

    @extend_schema(request=None, responses={200: NoticeSerializer, 404: ERROR})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one of the caller's notices read."""
        notice = self.get_object()
        return Response(NoticeSerializer(notice_mark_read(user=request.user, notice_id=notice.pk)).data)

    @extend_schema(request=None, responses={200: ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notice of the caller read."""
        return Response({"marked": notices_mark_all_read(user=request.user)})


class MyNoticePreferencesView(APIView):
    """What the caller wants to be told, per kind of notice: in the app, by e-mail (both on by default)."""

    reach_scope = "own"  # the caller's own preferences only
    parser_classes = [BoundedJSONParser]  # a list of changes: JSON only

    @extend_schema(responses={200: PreferenceSerializer(many=True)})
    def get(self, request):
        return Response(PreferenceSerializer(notice_preferences(request.user), many=True).data)

    @extend_schema(
        request=PreferenceChangeSerializer(many=True),
        responses={200: PreferenceSerializer(many=True), 400: ERROR},
    )
    def patch(self, request):
        """Change some kinds: a list of `{kind, in_app?, email?}`; the kinds left out keep their values."""
        parsed = PreferenceChangeSerializer(data=request.data, many=True)
        parsed.is_valid(raise_exception=True)
        changes: dict[str, dict[str, bool]] = {}
        for item in parsed.validated_data:
            values = {key: item[key] for key in ("in_app", "email") if key in item}
            changes.setdefault(item["kind"], {}).update(values)
        try:
            notice_preferences_set(user=request.user, changes=changes)
        except ValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from exc
        return Response(PreferenceSerializer(notice_preferences(request.user), many=True).data)
