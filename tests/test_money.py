"""Amounts in euros (`money.py`), as pages, emails and the admin show them."""

from django.utils import translation

from matricule.money import euros


def test_cents_as_euros_in_each_language():
    with translation.override("fr"):
        assert euros(17800) == "178\u00a0€"
        assert euros(11650) == "116,50\u00a0€"
        assert euros(123456789) == "1\u00a0234\u00a0567,89\u00a0€"
    with translation.override("en"):
        assert euros(11650) == "116.50\u00a0€"
        assert euros(123456789) == "1,234,567.89\u00a0€"
    assert euros(None) == ""
