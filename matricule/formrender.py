"""How form fields are drawn: Django's own widget and form templates through Jinja2.

Django ships a Jinja2 twin of each of its widget and form templates. Drawn by Jinja2, a select
of the world's countries costs a few tenths of a millisecond instead of several milliseconds
with Django templates (bench/rush: the form's step pages). Any other template a widget names
(the admin's own, a project's) has no twin and is drawn by Django templates, as before.
Jinja2's autoescape is on (Django's Jinja2 backend), and the output is the same markup.
"""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    def __init__(self):
        self.jinja2 = Jinja2()
        self.django = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)
