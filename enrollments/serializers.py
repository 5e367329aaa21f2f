"""Shapes of the enrollment API. Input serializers only parse and type the
request; every domain rule lives in ``enrollments.services``."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import SkipField

from core.times import ZonedTimesMixin
from enrollments.choices import (
    HHI_PAYMENT_MONTHS,
    VSI_PAYMENT_MONTHS,
    Gender,
    HouseholdCategory,
    NotCountedReason,
    Product,
)
from enrollments.identity import (
    PERSONAL_ID_LENGTH,
    SOCIAL_INSURANCE_CODE_LENGTH,
    clean_personal_id,
    clean_social_insurance_code,
)
from enrollments.models import Enrollment, Participant


class IdentityCodeField(serializers.CharField):
    """A code of ASCII digits, cleaned by its function in ``enrollments.identity``
    (surrounding whitespace trimmed; full-width and other digits refused)."""

    def __init__(self, *, clean: Callable[[object], str | None], length: int, **kwargs):
        self.clean = clean
        super().__init__(min_length=length, max_length=length, **kwargs)

    def to_internal_value(self, data):
        try:
            return self.clean(super().to_internal_value(data)) or ""
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code="invalid") from None


class ParticipantInSerializer(serializers.Serializer):
    # The digits are cleaned here; whether the ID agrees with the birth date and
    # gender is checked by the service, both in enrollments.identity.
    personal_id = IdentityCodeField(
        clean=clean_personal_id, length=PERSONAL_ID_LENGTH, help_text=_("12 digits (CCCD).")
    )
    social_insurance_code = IdentityCodeField(
        clean=clean_social_insurance_code, length=SOCIAL_INSURANCE_CODE_LENGTH, required=False, allow_blank=True
    )
    full_name = serializers.CharField(max_length=200)
    date_of_birth = serializers.DateField()
    gender = serializers.ChoiceField(choices=Gender.choices)
    household_category = serializers.ChoiceField(choices=HouseholdCategory.choices, default=HouseholdCategory.OTHER)
    locality_code = serializers.CharField(max_length=20, required=False, allow_blank=True)


class EnrollmentInSerializer(serializers.Serializer):
    client_ref = serializers.CharField(max_length=64)
    campaign = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text=_("Only needed when you take part in several.")
    )
    product = serializers.ChoiceField(choices=Product.choices)
    participant = ParticipantInSerializer()
    receipt_at = serializers.DateTimeField(help_text=_("With a UTC offset; without one, Vietnam time is assumed."))
    payment_months = serializers.IntegerField(min_value=1, max_value=12)
    declared_income = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    household_member_order = serializers.IntegerField(min_value=1, max_value=99, required=False, allow_null=True)
    receipt_no = serializers.CharField(max_length=40, required=False, allow_blank=True)

    # The fields the rules between fields read.
    CROSS_FIELDS = ("product", "payment_months", "declared_income", "household_member_order")

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(data, Mapping) or not isinstance(exc.detail, dict):
                raise
            # Every problem at once: the rules between fields, on the fields that did parse,
            # with the errors of those that did not.
            errors = dict(exc.detail)
            parsed = {}
            for name in self.CROSS_FIELDS:
                field = self.fields[name]
                if name in errors:
                    continue
                try:
                    parsed[name] = field.run_validation(field.get_value(data))
                except (serializers.ValidationError, SkipField):
                    continue
            for name, messages in self.cross_errors(parsed).items():
                errors.setdefault(name, messages)
            raise serializers.ValidationError(errors) from None

    @staticmethod
    def cross_errors(attrs) -> dict[str, list]:
        """What the product asks of the other fields, for those of ``attrs`` that are there."""
        errors = {}
        product, months = attrs.get("product"), attrs.get("payment_months")
        if product == Product.VSI:
            if attrs.get("declared_income") is None:
                errors["declared_income"] = [_("A VSI enrollment needs a declared monthly income.")]
            if attrs.get("household_member_order") is not None:
                errors["household_member_order"] = [_("Only HHI enrollments have a household member order.")]
            if months is not None and months not in VSI_PAYMENT_MONTHS:
                errors["payment_months"] = [_("VSI is paid for 1, 3, 6 or 12 months.")]
        elif product == Product.HHI:
            if attrs.get("household_member_order") is None:
                errors["household_member_order"] = [_("An HHI enrollment needs the member's order in the household.")]
            if attrs.get("declared_income") is not None:
                errors["declared_income"] = [_("Only VSI enrollments have a declared income.")]
            if months is not None and months not in HHI_PAYMENT_MONTHS:
                errors["payment_months"] = [_("HHI is paid for 3, 6 or 12 months.")]
        return errors

    def validate(self, attrs):
        errors = self.cross_errors(attrs)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class BulkInSerializer(serializers.Serializer):
    """Only the envelope; each item is parsed on its own so one bad item does not sink the rest."""

    items = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=1000)


class ParticipantOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Participant
        fields = ["personal_id", "full_name", "date_of_birth", "gender"]


class EnrollmentSerializer(ZonedTimesMixin, serializers.ModelSerializer):
    # Receipt and submission times in the campaign's time zone.
    campaign = serializers.SlugRelatedField(slug_field="code", read_only=True)
    phase = serializers.SerializerMethodField()
    agent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    participant = ParticipantOutSerializer(read_only=True)
    # Blank while the enrollment counts.
    not_counted_reason = serializers.ChoiceField(choices=NotCountedReason.choices, allow_blank=True, read_only=True)
    not_counted_reason_display = serializers.CharField(source="get_not_counted_reason_display", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "client_ref",
            "campaign",
            "phase",
            "agent",
            "product",
            "participant",
            "household_category",
            "receipt_no",
            "receipt_at",
            "submitted_at",
            "payment_months",
            "coverage_start",
            "declared_income",
            "household_member_order",
            "amount_due",
            "state_support",
            "status",
            "status_reason",
            "counted",
            "not_counted_reason",
            "not_counted_reason_display",
        ]
        read_only_fields = fields

    def get_phase(self, obj) -> dict:
        return {"id": obj.phase_id, "number": obj.phase.number, "name": obj.phase.name}


class BulkItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "replayed", "conflict", "invalid"])
    id = serializers.IntegerField(allow_null=True)
    client_ref = serializers.CharField(allow_null=True)
    counted = serializers.BooleanField(allow_null=True)
    not_counted_reason = serializers.CharField(allow_blank=True, allow_null=True)
    amount_due = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField()


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    replayed = serializers.IntegerField()
    conflicts = serializers.IntegerField()
    invalid = serializers.IntegerField()
    results = BulkItemResultSerializer(many=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class QuoteQuerySerializer(serializers.Serializer):
    product = serializers.ChoiceField(choices=Product.choices)
    date = serializers.DateField(required=False, help_text=_("Default: today."))
    payment_months = serializers.IntegerField(min_value=1, max_value=12)
    declared_income = serializers.IntegerField(min_value=0, required=False)
    household_category = serializers.ChoiceField(choices=HouseholdCategory.choices, default=HouseholdCategory.OTHER)
    household_member_order = serializers.IntegerField(min_value=1, max_value=99, required=False)


class QuoteSerializer(serializers.Serializer):
    product = serializers.CharField()
    on = serializers.DateField()
    payment_months = serializers.IntegerField()
    monthly_contribution = serializers.IntegerField()
    monthly_support = serializers.IntegerField()
    amount_due = serializers.IntegerField()
    state_support = serializers.IntegerField()
    income_floor = serializers.IntegerField(allow_null=True)
    income_ceiling = serializers.IntegerField(allow_null=True)
    base_salary = serializers.IntegerField(allow_null=True)
