"""Django's makemessages, which also reads the Jinja2 templates (the `jinja2/` folders).

Django's own extraction parses every template as a Django template: it would miss Jinja2's
`{% trans %}` blocks and `_()` calls with arguments. A Jinja2 template is handed to xgettext as
the Python calls Jinja2's own extractor finds in it (each on its template line, so that the
catalogue's references stay right); every other file goes through Django's extraction as before.
"""

import os

from django.core.management.commands import makemessages
from jinja2.ext import babel_extract

GETTEXT_FUNCTIONS = ("_", "gettext", "ngettext", "pgettext", "npgettext")


def as_python(source: str) -> str:
    """The template's messages as Python gettext calls, on the template's lines."""
    lines = [""] * (source.count("\n") + 1)
    options = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}
    for lineno, function, message, _comments in babel_extract(
        _Source(source), GETTEXT_FUNCTIONS, [], options
    ):
        arguments = message if isinstance(message, tuple) else (message,)
        arguments = [repr(a) for a in arguments if a is not None]
        if function in {"ngettext", "npgettext"}:
            arguments.append("n")
        name = "gettext" if function == "_" else function
        lines[lineno - 1] += f"{name}({', '.join(arguments)}); "
    return "\n".join(lines) + "\n"


class _Source:
    def __init__(self, text: str):
        self.text = text.encode("utf-8")

    def read(self) -> bytes:
        return self.text


class BuildFile(makemessages.BuildFile):
    def preprocess(self):
        if not self.is_templatized or f"{os.sep}jinja2{os.sep}" not in self.path:
            return super().preprocess()
        with open(self.path, encoding="utf-8") as handle:
            python = as_python(handle.read())
        with open(self.work_path, "w", encoding="utf-8") as handle:
            handle.write(python)


class Command(makemessages.Command):
    build_file_class = BuildFile
