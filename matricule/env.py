"""Typed readers for settings taken from environment variables.

Every reader fails loudly (ImproperlyConfigured naming the variable) on a value it
cannot understand, so a typo never silently falls back to a default.
"""

import os
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

PREFIX = "MATRICULE_"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_UNSET = object()


def _raw(name: str) -> str | None:
    value = os.environ.get(PREFIX + name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _fail(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"Environment variable {PREFIX}{name}={value!r} is invalid: expected {expected}."
    )


def _read(name: str, default, parse: Callable[[str], object], expected: str):
    value = _raw(name)
    if value is None:
        if default is _UNSET:
            raise ImproperlyConfigured(f"Environment variable {PREFIX}{name} is required.")
        return default
    try:
        return parse(value)
    except (ValueError, TypeError):
        raise _fail(name, value, expected) from None


def env_str(name: str, default=_UNSET) -> str:
    return _read(name, default, str, "a string")


def _parse_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(value)


def env_bool(name: str, default=_UNSET) -> bool:
    return _read(name, default, _parse_bool, "one of true/false, yes/no, on/off, 1/0")


def env_int(name: str, default=_UNSET, *, minimum: int | None = None) -> int:
    def parse(value: str) -> int:
        number = int(value)
        if minimum is not None and number < minimum:
            raise ValueError(value)
        return number

    bound = f" >= {minimum}" if minimum is not None else ""
    return _read(name, default, parse, f"an integer{bound}")


def env_list(name: str, default=_UNSET) -> list[str]:
    def parse(value: str) -> list[str]:
        return [item.strip() for item in value.split(",") if item.strip()]

    return _read(name, default, parse, "a comma-separated list")


def env_choice(name: str, choices: tuple[str, ...], default=_UNSET) -> str:
    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(value)
        return value

    return _read(name, default, parse, "one of " + ", ".join(choices))
