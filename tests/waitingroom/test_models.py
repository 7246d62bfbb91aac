"""A gate's configuration as stored: bounds on its numbers, a secret seed of its own."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from matricule.institution.models import RegistrationWindow
from matricule.waitingroom.models import Gate


def test_each_gate_has_a_secret_seed_of_its_own(window):
    first = Gate.objects.create(window=window)
    second = Gate.objects.create(window=RegistrationWindow.objects.exclude(pk=window.pk).first())
    assert re.fullmatch(r"[0-9a-f]{32}", first.draw_seed)
    assert first.draw_seed != second.draw_seed
    assert (first.enabled, first.capacity, first.idle_minutes) == (False, 500, 15)


@pytest.mark.parametrize(("field", "value"), [("capacity", 0), ("capacity", 100_001), ("idle_minutes", 241)])
def test_numbers_out_of_bounds_are_refused(window, field, value):
    Gate(window=window).full_clean()
    with pytest.raises(ValidationError) as error:
        Gate(window=window, **{field: value}).full_clean()
    assert list(error.value.message_dict) == [field]


@pytest.mark.parametrize("field", ["capacity", "idle_minutes"])
def test_the_database_refuses_a_gate_without_places_or_idle_time(window, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        Gate.objects.create(window=window, **{field: 0})
