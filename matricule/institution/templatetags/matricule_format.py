"""Dates and amounts as French (and English) readers expect them."""

import datetime

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from matricule import money

register = template.Library()


def _day_month_year(value) -> str:
    text = formats.date_format(value, "j F Y")
    if value.day == 1 and (get_language() or "fr").startswith("fr"):
        text = "1er" + text[1:]  # French writes the first day of a month as an ordinal
    return text


@register.filter
def long_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return _day_month_year(value)


@register.filter
def long_datetime(value) -> str:
    """`8 juillet 2024 à 12:00` in French, `8 July 2024 at 12:00` in English (Paris time)."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return _("%(date)s at %(time)s") % {
        "date": _day_month_year(local),
        "time": formats.time_format(local, "H:i"),
    }


@register.filter
def time_tag(value):
    """A <time> element with a machine-readable value around the long date and time."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), long_datetime(value))


@register.filter
def date_tag(value):
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), long_date(value))


@register.filter
def euros(cents) -> str:
    """Integer cents as an amount in euros: `103 €`, `116,50 €` in French."""
    return money.euros(cents)


@register.filter
def tel_href(number: str) -> str:
    """A dialable `tel:` address from a French number as printed (`02 37 91 83 09`)."""
    digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    if digits.startswith("0") and len(digits) == 10:
        digits = "+33" + digits[1:]
    return "tel:" + digits


@register.filter
def country_name(value: str) -> str:
    """A stored country (its ISO code, or words typed before the list) named in the page's language."""
    from matricule import countries

    return countries.name(value or "")


@register.filter
def phone(value: str) -> str:
    """A stored phone number (E.164) in its usual form: "06 12 34 56 78"."""
    from matricule import phones

    return phones.shown(value or "")


@register.simple_tag(takes_context=True)
def url_in_language(context, language: str) -> str:
    """The address of the current page in another language (`/` ↔ `/en/`)."""
    return language_url(context.get("request"), language)


def language_url(request, language: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    from django.urls import NoReverseMatch, reverse, translate_url
    from django.utils.translation import override

    if request is None:
        return "/"
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name is None:
        return translate_url(request.get_full_path(), language)
    # translate_url() without resolving the path again: the request's match is at hand.
    with override(language):
        try:
            path = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            return request.get_full_path()
    query = urlsplit(request.get_full_path()).query
    return urlunsplit(("", "", path, query, ""))


@register.simple_tag
def described_widget(field):
    """The field's input, pointing (aria-describedby) at its hint and at its error message, so
    that a screen reader reads the error when the input gets the focus."""
    ids = [field.field.widget.attrs.get("aria-describedby", "")]
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    described = " ".join(i for i in ids if i)
    return field.as_widget(attrs={"aria-describedby": described} if described else None)


@register.simple_tag(takes_context=True)
def jinja(context, template_name: str, **extra):
    """A Jinja2 partial shared with the student's pages (institution/jinja.py), given this
    template's context and `extra`: `{% jinja "_field.html" field=field %}`."""
    from django.template import engines

    engine = engines["jinja2"]
    # A variable of the page named like one of Jinja2's functions (a loop's `url`) would hide it.
    given = {k: v for k, v in context.flatten().items() if k not in engine.env.globals}
    template = engine.get_template(template_name)
    return mark_safe(template.render({**given, **extra}, context.get("request")))  # noqa: S308 (Jinja2 escaped it)
