"""Inputs point at their hint and at their error message (RGAA 11.10, WCAG 3.3.1)."""

import re

from django import forms
from django.template.loader import render_to_string


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
