"""Reading the one row a unique key designates.

`QuerySet.first()` adds an ORDER BY that Django must compile on every call: with a couple of
joins it cost about a millisecond of CPU per query in bench/rush, paid on every page of the
registration form. Where the filter designates at most one row (a primary or unique key),
no order is needed.
"""


def unique_row(queryset):
    """The row matching a unique key, or None."""
    rows = list(queryset.order_by()[:1])
    return rows[0] if rows else None
