"""What the apps above registration add to the student's registration page ("My registration"):
documents tells whether the file is complete, certificates gives the summary. Each registers,
at start-up, a function of the registration answering extra template context, so that this app
imports none of them."""

from collections.abc import Callable

_status_context: list[Callable[[object], dict]] = []


def add_status_context(function: Callable[[object], dict]) -> None:
    if function not in _status_context:
        _status_context.append(function)


def status_context(registration) -> dict:
    context: dict = {}
    for function in _status_context:
        context.update(function(registration))
    return context
