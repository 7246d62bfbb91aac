"""The query filters of the lists, declared once: each is a query parameter, how its value is
read, and the lookup it filters on; the same declaration documents it in the schema. A value
that cannot be read answers 400 (never a silently empty list)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

# Longer than any code or number the filters compare with.
MAX_TEXT = 100


def text(value: str) -> str:
    if len(value) > MAX_TEXT:
        raise ValueError(value)
    return value


def whole_number(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise ValueError(value)
    return int(value)


def moment(value: str):
    """An ISO 8601 date and time; without an offset, the site's time zone."""
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(value)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def one_of(choices) -> Callable[[str], str]:
    allowed = {str(choice) for choice in choices}

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(value)
        return value

    check.choices = sorted(allowed)
    return check


@dataclass(frozen=True)
class Filter:
    name: str
    lookup: str
    read: Callable[[str], object]
    description: str

    @property
    def kind(self):
        if self.read is whole_number:
            return OpenApiTypes.INT
        if self.read is moment:
            return OpenApiTypes.DATETIME
        return OpenApiTypes.STR

    def parameter(self) -> OpenApiParameter:
        return OpenApiParameter(
            self.name,
            self.kind,
            OpenApiParameter.QUERY,
            description=self.description,
            enum=getattr(self.read, "choices", None),
        )


def apply(queryset, params, filters: list[Filter]):
    errors = {}
    for item in filters:
        value = params.get(item.name)
        if value is None or value == "":
            continue
        try:
            queryset = queryset.filter(**{item.lookup: item.read(value.strip())})
        except ValueError:
            errors[item.name] = [_("“%(value)s” is not a valid value here.") % {"value": value[:MAX_TEXT]}]
    if errors:
        raise serializers.ValidationError(errors)
    return queryset


def updated_since(lookup: str = "updated_at__gte") -> Filter:
    return Filter(
        "updated_since",
        lookup,
        moment,
        "Only rows changed at or after this time (ISO 8601): pass the next_since of your last sync.",
    )
