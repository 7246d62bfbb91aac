"""Keyset ("cursor") pagination, stable while rows are added: each view orders its rows by a
key that never goes back (`cursor_fields`, e.g. (updated_at, id)) and a page is the rows after
the previous page's last key; a row inserted meanwhile comes after every row already there
(it has a later key), so nothing present is skipped or repeated. The cursor is opaque to
clients (base64 of the last key and of when the walk started).

Rows ordered by `updated_at` also give `next_since`: the time the walk started minus a margin
(`MATRICULE_API_SYNC_MARGIN_SECONDS`). `updated_at` is set when a row is saved, inside its
transaction, so a row may become visible (committed) a little after its `updated_at`; reading
again from `next_since` catches such late rows at the cost of seeing some rows twice."""

import base64
import binascii
import datetime
import json
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import DateTimeField, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response


def page_size_limits() -> tuple[int, int]:
    return settings.MATRICULE_API_PAGE_SIZE, settings.MATRICULE_API_MAX_PAGE_SIZE


def sync_margin() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.MATRICULE_API_SYNC_MARGIN_SECONDS)


class KeysetPagination(BasePagination):
    cursor_param = "cursor"
    size_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        fields = tuple(view.cursor_fields)
        self.fields = fields
        self.size = self._size(request)
        model = queryset.model
        self.is_time = [isinstance(model._meta.get_field(name), DateTimeField) for name in fields]
        key, started = self._decode(request.query_params.get(self.cursor_param))
        self.started = started or timezone.now()
        queryset = queryset.order_by(*fields)
        if key is not None:
            queryset = queryset.filter(_after(fields, key))
        rows = list(queryset[: self.size + 1])
        self.has_more = len(rows) > self.size
        rows = rows[: self.size]
        self.last_key = [getattr(rows[-1], name) for name in fields] if rows else key
        return rows

    def _size(self, request) -> int:
        default, maximum = page_size_limits()
        value = request.query_params.get(self.size_param)
        if value is None:
            return default
        if not value.isdigit() or not 1 <= int(value) <= maximum:
            raise serializers.ValidationError(
                {self.size_param: _("A whole number from 1 to %(maximum)s.") % {"maximum": maximum}}
            )
        return int(value)

    def _decode(self, cursor: str | None):
        if not cursor:
            return None, None
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
            key = data["k"]
            started = parse_datetime(data["s"])
            if not isinstance(key, list) or len(key) != len(self.fields) or started is None:
                raise ValueError(cursor)
            values = []
            for value, is_time in zip(key, self.is_time, strict=True):
                if is_time:
                    value = parse_datetime(value)
                    if value is None:
                        raise ValueError(cursor)
                elif not isinstance(value, int) or isinstance(value, bool):
                    raise ValueError(cursor)
                values.append(value)
        except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
            raise serializers.ValidationError({self.cursor_param: _("Invalid cursor.")}) from None
        return values, started

    def _encode(self) -> str:
        key = [
            value.isoformat() if is_time else value
            for value, is_time in zip(self.last_key, self.is_time, strict=True)
        ]
        data = json.dumps({"k": key, "s": self.started.isoformat()}, separators=(",", ":"))
        return base64.urlsafe_b64encode(data.encode()).decode("ascii")

    def next_since(self) -> str | None:
        if "updated_at" not in self.fields:
            return None
        return (self.started - sync_margin()).isoformat()

    def get_paginated_response(self, data):
        cursor = self._encode() if self.has_more else None
        next_url = None
        if cursor:
            params = self.request.query_params.copy()
            params[self.cursor_param] = cursor
            next_url = (
                self.request.build_absolute_uri(self.request.path) + "?" + urlencode(params, doseq=True)
            )
        return Response(
            {"next": next_url, "next_cursor": cursor, "next_since": self.next_since(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "next_cursor", "next_since", "results"],
            "properties": {
                "next": {"type": "string", "format": "uri", "nullable": True},
                "next_cursor": {"type": "string", "nullable": True},
                "next_since": {
                    "type": "string",
                    "format": "date-time",
                    "nullable": True,
                    "description": "Where the next incremental sync starts (updated_since): the "
                    "start of this walk minus a safety margin. Null when the list has no updated_since.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_param,
                "in": "query",
                "required": False,
                "description": "The next_cursor of the previous page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.size_param,
                "in": "query",
                "required": False,
                "description": "Rows per page (default and maximum in the integration guide).",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


def _after(fields: tuple[str, ...], key: list) -> Q:
    """Rows whose key (in `fields` order) comes after `key`: (a > x) or (a = x and b > y)..."""
    condition = Q()
    for rank in range(len(fields) - 1, -1, -1):
        here = Q(**{f"{fields[rank]}__gt": key[rank]})
        condition = here if rank == len(fields) - 1 else here | (Q(**{fields[rank]: key[rank]}) & condition)
    return condition
