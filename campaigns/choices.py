"""Choices the campaign rules name and the enrollments app stores. No model imports here."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Product(models.TextChoices):
    VSI = "VSI", _("Voluntary social insurance")
    HHI = "HHI", _("Household health insurance")
