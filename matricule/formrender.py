"""How form fields are drawn: Django's own widget and form templates through Jinja2.

Django ships a Jinja2 twin of each of its widget and form templates. Drawn by Jinja2, a select
of the world's countries costs a few tenths of a millisecond instead of several milliseconds
with Django templates (bench/rush: the form's step pages). Any other template a widget names
(the admin's own, a project's) has no twin and is drawn by Django templates, as before.
Jinja2's autoescape is on (Django's Jinja2 backend), and the output is the same markup.

The commonest widgets are drawn here in Python, with the same markup and escaping as Django's
Jinja2 templates (tested character for character): a select whose options use Django's own
option template (a Jinja2 include per option was most of the cost of a page with the country
lists: one select of 250 options, about 1 ms of CPU), and the `<input>` of text, email, date,
checkbox, radio... fields (two or three includes each). Only where the template found is
Django's own file and is, for inputs, nothing but the include of `input.html`; a template the
project overrides is drawn by that template.
"""

from pathlib import Path

import django.forms
from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from markupsafe import Markup, escape

WIDGETS = "django/forms/widgets/"
SELECT = WIDGETS + "select.html"
OPTION = WIDGETS + "select_option.html"
DJANGO_JINJA2 = Path(django.forms.__file__).parent / "jinja2"


class FormRenderer(BaseRenderer):
    def __init__(self):
        self.jinja2 = Jinja2()
        self.django = DjangoTemplates()
        own_select = self._is_django_own(SELECT) and self._is_django_own(OPTION)
        self.drawn = {SELECT: _select} if own_select else {}
        self.drawn.update(
            {name: _input for name in self._aliases_of("input.html") if self._is_django_own(name)}
        )
        self.drawn.update(
            {
                name: _input_option
                for name in self._aliases_of("input_option.html")
                if self._is_django_own(name)
            }
        )

    def _aliases_of(self, target):
        """The widget templates that only include `target`, and `target` itself."""
        include = f'{{% include "{WIDGETS}{target}" %}}'
        names = [WIDGETS + target]
        for path in sorted((DJANGO_JINJA2 / WIDGETS).glob("*.html")):
            if path.read_text().strip() == include:
                names.append(WIDGETS + path.name)
        return names

    def _is_django_own(self, name):
        try:
            origin = Path(self.jinja2.get_template(name).template.filename)
        except TemplateDoesNotExist:
            return False
        return origin == DJANGO_JINJA2 / name

    def get_template(self, template_name):
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)

    def render(self, template_name, context, request=None):
        draw = self.drawn.get(template_name)
        if draw is not None:
            drawn = draw(context["widget"])
            if drawn is not None:
                return drawn
        return super().render(template_name, context, request=request)


def _attrs(attrs) -> str:
    # As attrs.html: False leaves the attribute out, True writes its name alone.
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input_markup(widget) -> str:
    # As input.html: the value only when it is not None.
    value = "" if widget["value"] == None else f' value="{escape(widget["value"])}"'  # noqa: E711
    kind, name = escape(widget["type"]), escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{_attrs(widget["attrs"])}>'


def _input(widget) -> Markup:
    return Markup(_input_markup(widget))  # noqa: S704 (escaped in _input_markup)


def _input_option(widget) -> Markup:
    """As input_option.html: the input, wrapped in its label when asked."""
    if not widget["wrap_label"]:
        return _input(widget)
    label_for = f' for="{escape(widget["attrs"]["id"])}"' if widget["attrs"].get("id") else ""
    return Markup(f"<label{label_for}>{_input_markup(widget)} {escape(widget['label'])}</label>")  # noqa: S704


def _select(widget) -> Markup | None:
    """The select as Django's Jinja2 `select.html` draws it, or None when an option names
    another template (then that template draws it)."""
    parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None
            parts.append(
                f'\n  <option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{escape(option['label'])}</option>"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return Markup("".join(parts))  # noqa: S704 (every value above went through escape())
