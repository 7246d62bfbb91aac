import pytest
from django.core.exceptions import ImproperlyConfigured

from matricule import env
from tests.processes import clean_environment, manage


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("YES", True), ("1", True), ("off", False), ("0", False), ("No", False)],
)
def test_env_bool_reads_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("MATRICULE_FLAG", raw)
    assert env.env_bool("FLAG", False) is expected


def test_env_bool_rejects_anything_else_naming_the_variable(monkeypatch):
    monkeypatch.setenv("MATRICULE_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="MATRICULE_FLAG='maybe'"):
        env.env_bool("FLAG", False)


def test_env_int_checks_minimum(monkeypatch):
    monkeypatch.setenv("MATRICULE_PORT", "-3")
    with pytest.raises(ImproperlyConfigured, match="MATRICULE_PORT"):
        env.env_int("PORT", 25, minimum=1)
    monkeypatch.setenv("MATRICULE_PORT", "587")
    assert env.env_int("PORT", 25, minimum=1) == 587


def test_env_choice_and_list(monkeypatch):
    monkeypatch.setenv("MATRICULE_MODE", "s4")
    with pytest.raises(ImproperlyConfigured, match="one of local, s3"):
        env.env_choice("MODE", ("local", "s3"), "local")
    monkeypatch.setenv("MATRICULE_HOSTS", " a.example , b.example,")
    assert env.env_list("HOSTS") == ["a.example", "b.example"]


def test_missing_required_value_is_named(monkeypatch):
    monkeypatch.delenv("MATRICULE_NOTHING", raising=False)
    with pytest.raises(ImproperlyConfigured, match="MATRICULE_NOTHING is required"):
        env.env_str("NOTHING")


def _manage(*args, **extra_env):
    return manage(*args, environment=clean_environment(**extra_env))


def test_bad_debug_value_stops_start_up_with_the_variable_named():
    result = _manage("check", MATRICULE_DEBUG="maybe")
    assert result.returncode != 0
    assert "MATRICULE_DEBUG='maybe' is invalid" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", MATRICULE_DEBUG="false")
    assert result.returncode != 0
    assert "MATRICULE_SECRET_KEY is required" in result.stderr
