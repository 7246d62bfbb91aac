"""How form fields are drawn: Django's own widget and form templates through Jinja2.

Django ships a Jinja2 twin of each of its widget and form templates. Drawn by Jinja2, a select
of the world's countries costs a few tenths of a millisecond instead of several milliseconds
with Django templates (bench/rush: the form's step pages). Any other template a widget names
(the admin's own, a project's) has no twin and is drawn by Django templates, as before.
Jinja2's autoescape is on (Django's Jinja2 backend), and the output is the same markup.

A select whose options use Django's own option template is drawn here in Python, with the same
markup and escaping as those two Jinja2 templates (`select.html`, `select_option.html`): a
Jinja2 include per option was most of the cost of a page with the country lists (one select of
250 options: about 1 ms of CPU).
"""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from markupsafe import Markup, escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


class FormRenderer(BaseRenderer):
    def __init__(self):
        self.jinja2 = Jinja2()
        self.django = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)

    def render(self, template_name, context, request=None):
        if template_name == SELECT:
            drawn = draw_select(context["widget"])
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


def draw_select(widget) -> Markup | None:
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
