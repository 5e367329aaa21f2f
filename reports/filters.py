"""One filter set per listed model of this app, shared by the API and the pages."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.listing import BooleanFilter
from reports.models import Notice, NoticeKind


class NoticeFilter(django_filters.FilterSet):
    read = BooleanFilter(field_name="read_at", lookup_expr="isnull", exclude=True, label=_("read"))
    kind = django_filters.MultipleChoiceFilter(choices=NoticeKind.choices, label=_("kind"))

    class Meta:
        model = Notice
        fields = []
