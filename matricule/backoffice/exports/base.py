"""Exporters as plug-ins: a base class that says what an export holds, and a registry.

An exporter declares its columns (code, translated label, value function), which of them are
shown by default, its filters, and one queryset; the formats (`formats.py`) write whatever
rows it yields, and the page and the task find exporters in the registry by code."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils.functional import Promise

from matricule.accounts.staff import scope_queryset

# Rows fetched per round trip while streaming: large enough to keep queries few, small
# enough to keep memory flat whatever the size of the export.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Column:
    code: str
    label: Promise
    value: Callable[[Any], Any]
    default: bool = True
    # Birth date, contacts: never in an export unless chosen, and offered only to those who act
    # in the components (not to readers): minimum exposure (docs/data-protection.md).
    personal: bool = False


@dataclass(frozen=True)
class Filter:
    """An optional filter of an export: the lookup it sets and where its choices come from."""

    code: str
    label: Promise
    lookup: str
    # (value, label) pairs offered to this user; values are compared as strings.
    choices: Callable[[Any], list[tuple[str, str]]] = field(default=lambda user: [])


class Exporter:
    code: ClassVar[str]
    title: ClassVar[Promise]
    description: ClassVar[Promise]
    columns: ClassVar[tuple[Column, ...]] = ()
    filters: ClassVar[tuple[Filter, ...]] = ()
    # Paths from the exported model to the academic year and to the component (for scoping).
    year_lookup: ClassVar[str]
    component_lookup: ClassVar[str]
    ordering: ClassVar[tuple[str, ...]] = ("pk",)

    def base_queryset(self) -> QuerySet:
        raise NotImplementedError

    # --- what the page and the formats use -------------------------------------------------
    @property
    def default_columns(self) -> list[str]:
        return [column.code for column in self.columns if column.default]

    def column_codes(self) -> list[str]:
        return [column.code for column in self.columns]

    def chosen(self, codes) -> list[Column]:
        """The columns asked for, in the order they are declared (whatever order was sent)."""
        wanted = set(codes)
        return [column for column in self.columns if column.code in wanted]

    def queryset(self, *, user, year, filters: dict | None = None) -> QuerySet:
        queryset = self.base_queryset().filter(**{self.year_lookup: year})
        for spec in self.filters:
            value = (filters or {}).get(spec.code)
            if value not in (None, ""):
                queryset = queryset.filter(**{spec.lookup: value})
        return scope_queryset(queryset, user, self.component_lookup).order_by(*self.ordering)

    def rows(self, queryset: QuerySet, columns: list[Column]) -> Iterator[list]:
        for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
            yield [column.value(obj) for column in columns]


_REGISTRY: dict[str, Exporter] = {}


def register(cls: type[Exporter]) -> type[Exporter]:
    """Class decorator: make an exporter available on the export page and to the task."""
    if cls.code in _REGISTRY:
        raise ValueError(f"An exporter is already registered as {cls.code!r}.")
    _REGISTRY[cls.code] = cls()
    return cls


def get_exporter(code: str | None) -> Exporter | None:
    return _REGISTRY.get(code or "")


def all_exporters() -> list[Exporter]:
    return list(_REGISTRY.values())
