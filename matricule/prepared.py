"""Hot queries compiled to SQL once per database connection instead of on every call.

Django compiles a queryset to SQL each time it is evaluated. For the registration a student's
page starts from (the row with its admission and student record: three tables, about a hundred
columns) the compilation was half of the query's CPU, about 0.7 ms of 1.4, and a journey reads
that row some forty times (bench/rush). A `PreparedQuery` builds its queryset as usual, compiles
it the first time on each connection, then runs the same SQL with the new values: Django's own
compiler executes it, converts the rows and builds the instances.

The values that change between calls are integers or strings; the first compilation is made with
distinct probe values, and each must come out as one parameter of the SQL, or nothing is kept
and every call runs the queryset as Django would (so a shape this cannot handle is still right,
only not faster). Only plain model querysets are kept: no prefetch, no annotation, no values().
Everything in `build` but its arguments must be constant: a value it computes itself (a time,
a setting) is compiled in once and kept, so pass it as an argument instead.
"""

import threading
import weakref

from django.db import connections
from django.db.models.query import ModelIterable, get_related_populators
from django.db.transaction import TransactionManagementError

# Probe values: no real key or string is these (a probe integer is within a 32-bit column's range).
_INT_PROBE = -(2**31) + 1000
_SMALL_INT = range(-(2**31), 2**31)
_STR_PROBE = "\x00matricule-probe-"


class PreparedQuery:
    """`build(*values)` returns the queryset; `prepared(*values)` its rows, as a list."""

    def __init__(self, build):
        self.build = build
        self._alias = None  # the database the queryset reads, known from the first one built
        # Per connection object (they are per thread): the compiler and where each value goes.
        self._compiled = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, *values):
        kinds = tuple(_kind(value) for value in values)
        if any(isinstance(value, int) and value not in _SMALL_INT for value in values):
            # Beyond a 32-bit column's range the database would refuse the value where Django
            # answers "no row": Django's path then (such an id comes only from a hostile URL).
            return list(self.build(*values))
        if self._alias is None:
            self._alias = self.build(*values).db
        connection = connections[self._alias]
        entry = self._compiled.get(connection)
        if entry is None or entry[0] != kinds:
            entry = self._compile(connection, kinds)
        if entry[1] is None:  # a shape this cannot keep: as Django would
            return list(self.build(*values))
        return _run(connection, entry, values)

    def one(self, *values):
        """The first row, or None (the queryset limits itself to one)."""
        rows = self(*values)
        return rows[0] if rows else None

    def _compile(self, connection, kinds):
        probes = [_probe(kind, index) for index, kind in enumerate(kinds)]
        queryset = self.build(*probes)
        compiled = None
        if _keepable(queryset):
            compiler = queryset.query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            params = list(params)
            positions = [[i for i, param in enumerate(params) if param == probe] for probe in probes]
            if all(len(found) == 1 for found in positions):
                compiled = (compiler, sql, params, [found[0] for found in positions], queryset.db)
        entry = (kinds, compiled)
        with self._lock:
            self._compiled[connection] = entry
        return entry


def _kind(value):
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"a prepared query takes integers and strings, not {type(value).__name__}")
    return int if isinstance(value, int) else str


def _probe(kind, index):
    return _INT_PROBE + index if kind is int else f"{_STR_PROBE}{index}"


def _keepable(queryset) -> bool:
    query = queryset.query
    return (
        queryset._iterable_class is ModelIterable
        and not queryset._prefetch_related_lookups
        and not queryset._known_related_objects
        and not query.annotation_select
        and not query.extra_select
        and not query.combinator
    )


def _run(connection, entry, values):
    _kinds, (compiler, sql, template, positions, db) = entry
    locking = compiler.query.select_for_update and connection.features.has_select_for_update
    if locking and connection.get_autocommit():
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    params = list(template)
    for position, value in zip(positions, values, strict=True):
        params[position] = value
    compiler.as_sql = lambda *args, **kwargs: (sql, tuple(params))
    try:
        results = compiler.execute_sql()
    finally:
        del compiler.as_sql
    select, klass_info = compiler.select, compiler.klass_info
    model = klass_info["model"]
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    names = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, db)
    objects = []
    for row in compiler.results_iter(results):
        obj = model.from_db(db, names, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        objects.append(obj)
    return objects
