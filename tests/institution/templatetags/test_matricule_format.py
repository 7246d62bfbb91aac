"""The template filters and tags of matricule_format: dates and amounts as French (and English)
readers expect them; inputs that point at their hint and at their error message (RGAA 11.10,
WCAG 3.3.1)."""

import datetime
import re
import zoneinfo

from django import forms
from django.template.loader import render_to_string
from django.utils import translation

from matricule.institution.templatetags.matricule_format import (
    date_tag,
    euros,
    long_date,
    long_datetime,
    tel_href,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def test_long_datetime_in_french_and_english_in_paris_time():
    moment = datetime.datetime(2024, 7, 8, 10, 0, tzinfo=datetime.UTC)  # 12:00 in Paris (CEST)
    with translation.override("fr"):
        assert long_datetime(moment) == "8 juillet 2024 à 12:00"
    with translation.override("en"):
        assert long_datetime(moment) == "8 July 2024 at 12:00"


def test_first_of_the_month_is_an_ordinal_in_french_only():
    day = datetime.date(2024, 9, 1)
    with translation.override("fr"):
        assert long_date(day) == "1er septembre 2024"
    with translation.override("en"):
        assert long_date(day) == "1 September 2024"


def test_date_tag_uses_the_paris_day_of_a_datetime():
    late = datetime.datetime(2024, 8, 21, 0, 0, tzinfo=PARIS)  # still 20 August in UTC
    with translation.override("fr"):
        html = date_tag(late)
    assert 'datetime="2024-08-21"' in html
    assert "21 août 2024" in html


def test_euros_from_integer_cents():
    with translation.override("fr"):
        assert euros(10300) == "103\u00a0€"
        assert euros(11650) == "116,50\u00a0€"
        assert euros(277000).replace("\u202f", " ").replace("\u00a0", " ") == "2 770 €"
    with translation.override("en"):
        assert euros(11650) == "116.50\u00a0€"


def test_tel_href_makes_an_international_number():
    assert tel_href("02 37 91 83 09") == "tel:+33237918309"
    assert tel_href("02.38.41.70.86") == "tel:+33238417086"


# --- described_widget ----------------------------------------------------------------------------


class Sample(forms.Form):
    email = forms.EmailField(label="Email", help_text="We write to this address.")
    city = forms.CharField(label="City")
    agree = forms.BooleanField(label="I agree")


def _input(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def test_an_invalid_input_is_described_by_its_hint_and_its_error():
    form = Sample(data={"email": "not an address", "city": ""})
    html = "".join(render_to_string("_field.html", {"field": field, "form": form}) for field in form)
    email = _input(html, "email")
    assert 'aria-describedby="id_email_helptext id_email-error"' in email
    assert 'aria-invalid="true"' in email
    assert 'id="id_email-error"' in html and 'id="id_email_helptext"' in html
    assert 'aria-describedby="id_city-error"' in _input(html, "city")
    assert 'aria-describedby="id_agree-error"' in _input(html, "agree")


def test_a_valid_input_points_only_at_its_hint():
    form = Sample(initial={"email": "chloe@example.org"})
    html = "".join(render_to_string("_field.html", {"field": field, "form": form}) for field in form)
    assert 'aria-describedby="id_email_helptext"' in _input(html, "email")
    assert "aria-describedby" not in _input(html, "city")


def test_a_checkbox_shows_the_hint_it_points_at():
    class Consent(forms.Form):
        leaving = forms.BooleanField(label="The student leaves", help_text="Then it is cancelled.")

    form = Consent()
    html = "".join(render_to_string("_field.html", {"field": field, "form": form}) for field in form)
    assert 'aria-describedby="id_leaving_helptext"' in _input(html, "leaving")
    assert '<p class="field__hint" id="id_leaving_helptext">Then it is cancelled.</p>' in html
