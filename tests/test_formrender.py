"""Form fields drawn by Jinja2 where Django ships a twin of the template (matricule/formrender.py)."""

from html import unescape

from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template.backends.jinja2 import Template as JinjaTemplate

from matricule.formrender import FormRenderer


class Sample(forms.Form):
    name = forms.CharField(label="Name", widget=forms.TextInput(attrs={"autocomplete": "name"}))
    country = forms.ChoiceField(label="Country", choices=[("fr", "France"), ("it", "Italie & <îles>")])
    agree = forms.BooleanField(label="Agree", required=False)


def test_it_is_the_project_renderer():
    assert isinstance(get_default_renderer(), FormRenderer)


def test_widgets_come_from_jinja2_and_match_django_templates():
    data = {"name": 'Zoé "Z" <b>', "country": "it", "agree": "on"}
    ours, theirs = Sample(data=data), Sample(data=data, renderer=DjangoTemplates())
    assert isinstance(FormRenderer().get_template("django/forms/widgets/select.html"), JinjaTemplate)
    for name in ("name", "country", "agree"):
        # The same markup; only the spelling of escaped quotes differs (&#34; / &quot;).
        assert " ".join(unescape(ours[name].as_widget()).split()) == " ".join(
            unescape(theirs[name].as_widget()).split()
        )
    assert "&lt;b&gt;" in ours["name"].as_widget() and '"Z"' not in ours["name"].as_widget()
    assert "Italie &amp; &lt;îles&gt;" in ours["country"].as_widget()


def test_a_template_without_a_jinja2_twin_is_drawn_by_django_templates():
    from django.contrib.admin.widgets import AdminDateWidget

    html = AdminDateWidget().render("day", None, attrs={"id": "id_day"})
    assert 'class="vDateField' in html


class Choices(forms.Form):
    grouped = forms.ChoiceField(
        choices=[
            ("", "—"),
            ("Europe", [("fr", "France"), ("it", 'Italie & <îles> "x"')]),
            (3, "Trois"),
            ("Océanie", [("nz", "Nouvelle-Zélande")]),
        ],
        widget=forms.Select(
            attrs={"autocomplete": "country", "data-x": 'a"b<', "disabled": False, "required": True}
        ),
    )
    several = forms.MultipleChoiceField(choices=[(1, "Un"), (2, "Deux"), (3, "Trois")])


def test_a_select_drawn_in_python_is_the_jinja2_twin_character_for_character():
    from django.forms.renderers import Jinja2

    for data in ({"grouped": "it", "several": ["1", "3"]}, {"grouped": "3"}, {}):
        ours, theirs = Choices(data=data), Choices(data=data, renderer=Jinja2())
        for name in ("grouped", "several"):
            assert ours[name].as_widget() == theirs[name].as_widget()
    html = Choices(data={"grouped": "it"})["grouped"].as_widget()
    assert '<option value="it" selected>Italie &amp; &lt;îles&gt; &#34;x&#34;</option>' in html
    assert 'data-x="a&#34;b&lt;"' in html and "disabled" not in html and " required" in html


def test_a_select_whose_options_name_another_template_is_left_to_that_template():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/radio_option.html"

    html = Custom(choices=[("a", "A")]).render("x", "a", renderer=FormRenderer())
    assert "<option" not in html
    assert '<label><input type="select" name="x" value="a" selected> A</label>' in html


class Inputs(forms.Form):
    name = forms.CharField(widget=forms.TextInput(attrs={"autocomplete": "name", "data-q": '"<&>'}))
    email = forms.EmailField(required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    agree = forms.BooleanField(required=False)
    count = forms.IntegerField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    choice = forms.ChoiceField(widget=forms.RadioSelect, choices=[("a", "A & <b>"), ("b", "B")])
    several = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, choices=[(1, "Un"), (2, "Deux")])


def test_inputs_drawn_in_python_are_the_jinja2_twins_character_for_character():
    from django.forms.renderers import Jinja2

    renderer = FormRenderer()
    assert {"django/forms/widgets/text.html", "django/forms/widgets/checkbox.html"} <= set(renderer.drawn)
    data = {
        "name": 'Zoé "Z" <b>',
        "day": "2007-05-01",
        "agree": "on",
        "count": "3",
        "secret": "<s>",
        "choice": "a",
    }
    for bound in ({**data, "several": ["2"]}, {}, {"name": "", "email": "x@example.org", "choice": "b"}):
        ours, theirs = Inputs(data=bound), Inputs(data=bound, renderer=Jinja2())
        for name in Inputs.base_fields:
            assert ours[name].as_widget() == theirs[name].as_widget(), name
            for mine, twin in zip(ours[name], theirs[name], strict=True):  # one radio or checkbox each
                assert mine.tag() == twin.tag() and str(mine) == str(twin)
    unbound = Inputs(initial={"name": None})
    assert (
        unbound["name"].as_widget() == Inputs(initial={"name": None}, renderer=Jinja2())["name"].as_widget()
    )
