"""Jinja2 for the pages a student goes through on the opening-day rush (issue 20).

Django's template language costs about a millisecond per page for each include and loop a page
holds; the student's journey renders some forty pages, on the rush's critical path. Those pages
(and the partials the back office shares with them, which it includes with `{% jinja %}`) are
Jinja2 templates, in the `jinja2/` folders of the apps; every other page stays a Django template.

The environment keeps what Django templates gave: autoescape (Django's backend turns it on;
`format_html` and `mark_safe` output stays unescaped), CSRF (`csrf_input`), translations
(`_()`, `ngettext()`, `{% trans %}` blocks, extracted by this project's `makemessages`), the
request's language, the same filters for dates and amounts, and `url()` / `static()`. Undefined
names raise (StrictUndefined) instead of printing nothing, so that a mistake fails a test.
"""

import sys

import jinja2
from django.conf import settings
from django.core.signals import setting_changed
from django.template import defaultfilters
from django.template.backends import jinja2 as django_jinja2
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, translation

from .templatetags import matricule_format

# Addresses without arguments and static files' URLs, kept per process: each page asks for the
# same few (header, footer, assets), and reversing or looking one up in the manifest costs about
# 0.1 ms each time. What they depend on is in the key; a settings change (tests) forgets them all.
_KEPT: dict = {}
_KEPT_MAX = 2048  # bounded whatever the callers ask: forgotten all at once past it


def _kept(key, make):
    try:
        return _KEPT[key]
    except KeyError:
        pass
    value = make()
    if len(_KEPT) >= _KEPT_MAX:
        _KEPT.clear()
    _KEPT[key] = value
    return value


def _forget(**kwargs):
    _KEPT.clear()


setting_changed.connect(_forget, dispatch_uid="matricule.institution.jinja.forget")


def url(name: str, *args, **kwargs) -> str:
    if args or kwargs:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    key = ("url", name, translation.get_language(), get_script_prefix(), get_urlconf())
    return _kept(key, lambda: reverse(name))


def static_url(path: str) -> str:
    return _kept(("static", path, get_script_prefix()), lambda: static(path))


def environment(**options) -> jinja2.Environment:
    # A name a template misses raises under the tests and with DEBUG (a mistake fails loudly);
    # in production it is empty, as in Django templates (a page still shows).
    strict = settings.DEBUG or "pytest" in sys.modules
    options["undefined"] = jinja2.StrictUndefined if strict else jinja2.ChainableUndefined
    options.pop("autoescape", None)  # always on, whatever the settings say
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True, **options)
    env.install_gettext_callables(
        gettext=translation.gettext,
        ngettext=translation.ngettext,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
        newstyle=True,
    )
    env.globals.update(
        url=url,
        static=static_url,
        url_in_language=matricule_format.language_url,
        described_widget=matricule_format.described_widget,
        get_language=translation.get_language,
    )
    env.policies["ext.i18n.trimmed"] = True  # as makemessages extracts them (its `trimmed` option)
    env.filters.update(
        euros=matricule_format.euros,
        country_name=matricule_format.country_name,
        phone=matricule_format.phone,
        long_date=matricule_format.long_date,
        long_datetime=matricule_format.long_datetime,
        time_tag=matricule_format.time_tag,
        date_tag=matricule_format.date_tag,
        tel_href=matricule_format.tel_href,
        localize=formats.localize,
        linebreaksbr=defaultfilters.linebreaksbr,
        filesizeformat=defaultfilters.filesizeformat,
    )
    return env


def context(request) -> dict:
    """What every page is given: the language, the university (reference data), the messages."""
    from django.contrib.messages import get_messages

    from . import reference

    return {
        "LANGUAGE_CODE": translation.get_language(),
        "university": reference.university(),
        "messages": get_messages(request),
        "user": getattr(request, "user", None),
    }


class Template(django_jinja2.Template):
    def render(self, context=None, request=None):
        # The test client's record of what was rendered (response.context), as for Django templates.
        from django.test.signals import template_rendered

        if template_rendered.receivers:
            template_rendered.send(sender=self, template=self, context=context or {})
        return super().render(context, request)

    @property
    def name(self) -> str:
        return self.origin.template_name


class Jinja2(django_jinja2.Jinja2):
    """Django's Jinja2 backend, with its templates reported to the test client."""

    def get_template(self, template_name):
        return Template(super().get_template(template_name).template, self)

    def from_string(self, template_code):
        return Template(self.env.from_string(template_code), self)
