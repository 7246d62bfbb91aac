"""A French address's postal code and town checked together (registration.forms.check_postal_code,
matricule/postal_codes.py), online and at the desk; the communes of the code offered in a
datalist; the INSEE code of a French town of birth kept with the identity step."""

import re

import pytest
from django.http import QueryDict

from matricule.institution.models import Stage
from matricule.registration import forms, services
from tests.registration.conftest import ANSWERS, fill, start
from tests.registration.test_desk import open_new_person

pytestmark = pytest.mark.usefixtures("immediate_tasks")


@pytest.fixture
def geii(demo):
    return Stage.objects.select_related("programme__component").get(code="GEII-1")


def contacts(**changes) -> forms.ContactsForm:
    return forms.ContactsForm(data={**ANSWERS["contacts"], **changes})


def errors(form) -> dict[str, list[str]]:
    form.is_valid()
    return {field: [e.code for e in found] for field, found in form.errors.as_data().items()}


@pytest.mark.parametrize(
    ("postal_code", "city"),
    [
        ("28000", "Chartres"),
        ("28 000", "CHARTRES"),
        ("75015", "Paris 15e"),
        ("75015", "PARIS"),
        ("45100", "Orléans"),
        ("45100", "ORLEANS"),
        ("97400", "Saint-Denis"),
        ("97400", "St Denis"),
        ("28300", "Bailleau-l’Évêque"),
        ("28000", "Chartres Cedex 1"),
        ("28019", "CHARTRES CEDEX"),  # a CEDEX code the file does not have, in Eure-et-Loir
        ("98800", "Nouméa"),  # New Caledonia: not in the file, not checked
    ],
)
def test_a_real_french_address_is_accepted(postal_code, city):
    form = contacts(postal_code=postal_code, city=city)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["postal_code"] == postal_code.replace(" ", "")
    assert form.cleaned_data["city"] == city  # as typed


def test_a_town_of_another_postal_code_is_refused_on_the_town_naming_the_code_s_communes():
    form = contacts(postal_code="28000", city="Dreux")
    assert errors(form) == {"city": ["other_town"]}
    assert form.errors["city"] == ["Le code postal 28000 correspond à : Chartres."]
    paris = contacts(postal_code="75015", city="Paris 16e")
    assert paris.errors["city"] == [
        "Le code postal 75015 correspond à : Issy-les-Moulineaux, Paris 15e Arrondissement."
    ]


def test_a_code_of_many_communes_names_some_of_them():
    form = contacts(postal_code="51300", city="Chartres")
    (message,) = form.errors["city"]
    assert message.startswith("Le code postal 51300 correspond à 4")  # 40-odd communes
    named = message.split("dont : ")[1].rstrip("…").split(", ")
    assert len(named) == forms.COMMUNES_NAMED and named[0] == "Bassu"


def test_an_unknown_postal_code_is_refused_on_the_postal_code():
    form = contacts(postal_code="28999", city="Chartres")
    assert errors(form) == {"postal_code": ["unknown_postal_code"]}
    assert "28999" in form.errors["postal_code"][0] and "CEDEX" in form.errors["postal_code"][0]


def test_a_foreign_address_is_not_checked():
    form = contacts(country="PL", postal_code="31-019", city="Kraków")
    assert form.is_valid(), form.errors
    assert contacts(country="BE", postal_code="28000", city="Dreux").is_valid()


def test_a_missing_town_leaves_only_the_required_error():
    assert errors(contacts(city="")) == {"city": ["required"]}
    assert errors(contacts(city="", postal_code="28999")) == {
        "city": ["required"],
        "postal_code": ["unknown_postal_code"],
    }


# --- The communes offered as the town is typed -------------------------------------------------


def datalist(html: str) -> list[str]:
    found = re.search(r'<datalist id="id_city_communes">(.*?)</datalist>', html, re.S)
    return re.findall(r'<option value="([^"]*)">', found.group(1)) if found else []


def test_the_town_offers_the_communes_of_the_postal_code_typed():
    html = str(contacts(postal_code="28300", city="X")["city"])
    assert 'list="id_city_communes"' in html
    assert "Saint-Prest" in datalist(html) and "Lèves" in datalist(html)
    # Given at first (from the admission) too; nothing for a code unknown or abroad.
    first = forms.ContactsForm(initial={"postal_code": "28000", "country": "FR"})
    assert datalist(str(first["city"])) == ["Chartres"]
    assert datalist(str(forms.ContactsForm(initial={"postal_code": "28000"})["city"])) == ["Chartres"]
    for form in (contacts(postal_code="28999"), contacts(country="PL", postal_code="28000")):
        html = str(form["city"])
        assert "datalist" not in html and "list=" not in html


def test_names_in_the_datalist_are_escaped():
    html = str(contacts(postal_code="28300")["city"])
    assert "Bailleau-l&#x27;Évêque" in html


# --- Through the pages, online and at the desk -------------------------------------------------


def test_the_contacts_step_shows_the_error_and_keeps_what_was_typed(chloe_client):
    registration = start(chloe_client)
    url = f"/inscription/{registration.pk}/etape/contacts/"
    typed = {**ANSWERS["contacts"], "postal_code": "28000", "city": "Dreux", "action": "next"}
    response = chloe_client.post(url, typed)
    registration.refresh_from_db()
    assert "contacts" not in registration.valid_steps
    assert registration.data["contacts"]["city"] == "Dreux"  # nothing lost
    page = (
        chloe_client.get(url).content.decode() if response.status_code == 302 else response.content.decode()
    )
    assert 'value="Dreux"' in page and "28000" in page
    assert re.search(r'class="field__error" id="id_city-error">.*Chartres', page)
    assert datalist(page) == ["Chartres"]
    fill(chloe_client, registration, ANSWERS, keys={"contacts"})
    registration.refresh_from_db()
    assert registration.cleaned["contacts"]["city"] == "Chartres"


def test_the_desk_checks_the_address_too(staff_client, iut_agent, geii):
    registration = open_new_person(iut_agent, geii)
    client = staff_client(iut_agent)
    url = f"/gestion/guichet/{registration.pk}/etape/contacts/"
    typed = {**ANSWERS["contacts"], "postal_code": "45100", "city": "Chartres", "action": "next"}
    response = client.post(url, typed)
    shown = client.get(url) if response.status_code == 302 else response
    page = shown.content.decode()
    assert re.search(r'id="id_city-error">.*45100.*Orléans', page)
    registration.refresh_from_db()
    assert registration.data["contacts"]["postal_code"] == "45100"
    assert "contacts" not in registration.valid_steps


# --- The town of birth ---------------------------------------------------------------------------


def save_identity(registration, actor, **changes):
    data = QueryDict(mutable=True)
    data.update({**ANSWERS["identity"], **changes})
    return services.save_step(registration, "identity", data, actor=actor)


@pytest.mark.parametrize(
    ("town", "country", "insee"),
    [
        ("Chartres", "FR", "28085"),
        ("Paris 15e", "FR", "75115"),
        ("Saint-Denis (974)", "FR", "97411"),
        ("Saint-Denis", "FR", ""),  # two communes of that name: not guessed, not refused
        ("Commune disparue", "FR", ""),
        ("Kraków", "PL", ""),
    ],
)
def test_the_insee_code_of_a_french_town_of_birth_is_kept_with_the_identity(
    iut_agent, geii, town, country, insee
):
    registration = open_new_person(iut_agent, geii)
    form = save_identity(registration, iut_agent, birth_town=town, birth_country=country)
    assert form.is_valid(), form.errors
    registration.refresh_from_db()
    assert registration.cleaned["identity"]["birth_insee"] == insee
    assert registration.cleaned["identity"]["birth_town"] == town
