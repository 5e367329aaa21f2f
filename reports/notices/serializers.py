"""Shapes of ``/api/v1/me/notices/`` and ``/api/v1/me/notice-preferences/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from reports.models import Notice, NoticeKind
from reports.notices.texts import notice_text


class NoticeSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    title = serializers.SerializerMethodField(help_text=_("In the language of the request."))
    body = serializers.SerializerMethodField(help_text=_("In the language of the request."))
    read = serializers.BooleanField(help_text=_("Whether the notice has been read."))
    url = serializers.CharField(help_text=_("The page the notice is about, on this site (may be empty)."))

    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "body", "url", "created_at", "read", "read_at", "data"]
        read_only_fields = fields

    def get_title(self, notice: Notice) -> str:
        return notice_text(notice).title

    def get_body(self, notice: Notice) -> str:
        return notice_text(notice).body


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many notices were unread and are now read."))


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    label = serializers.CharField(read_only=True)
    in_app = serializers.BooleanField(help_text=_("Shown in the app (the bell and the list)."))
    email = serializers.BooleanField(help_text=_("Sent by e-mail to the login's address."))


class JsonBooleanField(serializers.BooleanField):
    """true or false as JSON has them: no "yes", 1 or "true" text (the schema says boolean)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class PreferenceChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    in_app = JsonBooleanField(required=False)
    email = JsonBooleanField(required=False)
