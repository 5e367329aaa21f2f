"""One filter set for enrollments, shared by the API, the pages and the exports."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.listing import BooleanFilter, IntegerFilter
from enrollments.choices import EnrollmentStatus, NotCountedReason, Product
from enrollments.models import Enrollment


class EnrollmentFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=EnrollmentStatus.choices, label=_("status"))
    product = django_filters.ChoiceFilter(choices=Product.choices, label=_("product"))
    campaign = django_filters.CharFilter(field_name="campaign__code", label=_("campaign code"))
    phase = IntegerFilter(field_name="phase_id", label=_("phase"))
    counted = BooleanFilter(label=_("counted"))
    not_counted_reason = django_filters.ChoiceFilter(choices=NotCountedReason.choices, label=_("reason not counted"))
    receipt_from = django_filters.IsoDateTimeFilter(field_name="receipt_at", lookup_expr="gte", label=_("receipt from"))
    receipt_to = django_filters.IsoDateTimeFilter(field_name="receipt_at", lookup_expr="lt", label=_("receipt before"))
    date_from = django_filters.DateFilter(
        field_name="receipt_at", lookup_expr="date__gte", label=_("receipt date from")
    )
    date_to = django_filters.DateFilter(field_name="receipt_at", lookup_expr="date__lte", label=_("receipt date to"))
    agent = django_filters.CharFilter(field_name="agent__code", label=_("agent code"))
    organization = django_filters.CharFilter(field_name="agent__organization__code", label=_("organization code"))
    personal_id = django_filters.CharFilter(field_name="participant__personal_id", label=_("personal ID"))
    client_ref = django_filters.CharFilter(label=_("client reference"))
    receipt_no = django_filters.CharFilter(label=_("receipt number"))

    class Meta:
        model = Enrollment
        fields = []
