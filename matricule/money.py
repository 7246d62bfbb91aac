"""Amounts as people read them: the application keeps integer cents, and shows euros."""

from django.utils import formats


def euros(cents) -> str:
    """Integer cents as an amount in euros: `103 €`, `116,50 €` in French; "" for None."""
    if cents is None:
        return ""
    cents = int(cents)
    if cents % 100 == 0:
        amount = formats.number_format(cents // 100, use_l10n=True, force_grouping=True)
    else:
        amount = formats.number_format(cents / 100, 2, use_l10n=True, force_grouping=True)
    return f"{amount}\u00a0€"
