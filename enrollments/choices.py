"""Choices of the enrollments app, and which statuses count. No model imports here."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.choices import Product

__all__ = ["Product"]  # re-exported: an enrollment's product is one a campaign counts


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class HouseholdCategory(models.TextChoices):
    POOR = "poor", _("Poor household")
    NEAR_POOR = "near_poor", _("Near-poor household")
    ISLAND_COMMUNE = "island_commune", _("Island commune resident")
    ETHNIC_MINORITY = "ethnic_minority", _("Ethnic minority")
    OTHER = "other", _("Other")


class EnrollmentStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class NotCountedReason(models.TextChoices):
    NOT_NEW = "not_new", _("Not a new participant (covered within the gap)")
    DUPLICATE = "duplicate", _("Participant already counted on an earlier receipt")
    PRODUCT_NOT_COUNTED = "product_not_counted", _("Product not counted by the campaign")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# What counts (DESIGN §5 "Counting"): a counted enrollment counts while it is
# submitted or confirmed for provisional standings, progress and reports, and only
# once confirmed for final standings. Every other status is never counted.
PROVISIONAL_STATUSES = (EnrollmentStatus.SUBMITTED, EnrollmentStatus.CONFIRMED)
FINAL_STATUSES = (EnrollmentStatus.CONFIRMED,)


def counting_statuses(*, final: bool) -> tuple[str, ...]:
    """The statuses an enrollment flagged ``counted`` needs to count: final standings or provisional ones."""
    return FINAL_STATUSES if final else PROVISIONAL_STATUSES


VSI_PAYMENT_MONTHS = (1, 3, 6, 12)
HHI_PAYMENT_MONTHS = (3, 6, 12)
