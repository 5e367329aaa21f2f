"""Times in the API as the office that owns them tells them: in its campaign's time zone.

``ZonedDateTimeField(zone="campaign.time_zone")`` writes a time with the UTC offset of
the zone named by that attribute path of the object serialized (``"time_zone"`` on the
campaign itself, ``"phase.campaign.time_zone"`` …); where the path leads nowhere, the zone
the serializer's context names (``"time_zone"``), else the current time zone
(``TIME_ZONE``), as DRF's own ``DateTimeField`` does. ``ZonedTimesMixin`` makes every
time field of a model serializer such a field.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils import timezone
from rest_framework import serializers


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_at(instance, path: str) -> ZoneInfo | None:
    """The zone named at the dotted attribute (or key) ``path`` of ``instance``; None where there is none."""
    value = instance
    for part in path.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    return _zone(value) if value else None


class ZonedDateTimeField(serializers.DateTimeField):
    """A read-only time written in the time zone the object serialized names at ``zone``."""

    def __init__(self, *, zone: str = "", **kwargs):
        self.zone_path = zone
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        if value is None or not timezone.is_aware(value):
            return value
        zone = zone_at(instance, self.zone_path) if self.zone_path else None
        if zone is None:
            named = self.context.get("time_zone")
            zone = _zone(named) if named else timezone.get_current_timezone()
        return value.astimezone(zone)

    def enforce_timezone(self, value):
        # An aware time was put in its zone by ``get_attribute``: it keeps it.
        return value if timezone.is_aware(value) else super().enforce_timezone(value)


class ZonedTimesMixin:
    """For a ``ModelSerializer``: its model's time fields in the zone at ``time_zone_path``."""

    time_zone_path = "campaign.time_zone"

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.DateTimeField):
            return ZonedDateTimeField, {**kwargs, "zone": self.time_zone_path}
        return field_class, kwargs
