import pytest
from django.conf import settings
from django.db import models

from matricule.modelkit import actor_key, optional_key, year_code_field


def test_an_optional_key_may_be_empty_and_is_emptied_with_its_target():
    field = optional_key("institution.Stage", related_name="+")
    _, _, args, kwargs = field.deconstruct()
    assert kwargs["null"] and kwargs["blank"]
    assert kwargs["on_delete"] is models.SET_NULL
    assert kwargs["to"] == "institution.stage"


def test_an_optional_key_keeps_the_deletion_rule_it_is_given():
    field = optional_key("institution.Stage", on_delete=models.CASCADE)
    assert field.deconstruct()[3]["on_delete"] is models.CASCADE


def test_an_actor_key_points_to_the_user_and_offers_no_reverse_accessor():
    field = actor_key("reviewed by")
    kwargs = field.deconstruct()[3]
    assert field.remote_field.model == settings.AUTH_USER_MODEL
    assert kwargs["related_name"] == "+"
    assert kwargs["verbose_name"] == "reviewed by"
    assert kwargs["null"] and kwargs["on_delete"] is models.SET_NULL


def test_a_year_code_field_accepts_a_year_as_written_and_nothing_else():
    from django.core.exceptions import ValidationError

    field = year_code_field("academic year", unique=True)
    field.run_validators("2024-2025")
    with pytest.raises(ValidationError):
        field.run_validators("2024/2025")
    assert field.max_length == 9 and field.unique
