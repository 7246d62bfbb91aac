"""The institution's administration: changes are recorded in the audit trail and seen at once on
the public page."""

from django.urls import reverse

from matricule.audit.models import Event
from matricule.institution.models import Component, Population, RegistrationWindow


def _text(response) -> str:
    return response.content.decode().replace("\u00a0", " ")


def test_changing_a_window_through_the_admin_changes_the_page(client, administrator, year_2024):
    window = RegistrationWindow.objects.get(academic_year=year_2024, population=Population.FIRST_MAIN)
    client.force_login(administrator)
    url = reverse("admin:institution_registrationwindow_change", args=[window.pk])
    response = client.post(
        url,
        {
            "academic_year": year_2024.pk,
            "population": Population.FIRST_MAIN,
            "opens_at_0": "10/07/2024",
            "opens_at_1": "09:30:00",
            "closes_at_0": "31/07/2024",
            "closes_at_1": "23:59:00",
            "note_fr": "",
            "note_en": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    page = _text(client.get("/annee/2024-2025/"))
    assert "10 juillet 2024 à 09:30" in page


def test_a_change_and_a_creation_are_recorded_with_the_fields_changed(client, administrator):
    chartres = Component.objects.get(code="iut-chartres")
    client.force_login(administrator)
    fields = {
        "university": chartres.university_id,
        "code": chartres.code,
        "name": chartres.name,
        "street": chartres.street,
        "postal_code": chartres.postal_code,
        "city": chartres.city,
        "phones": chartres.phones,
        "email": "scolarite.chartres@example.org",
    }
    changed = client.post(reverse("admin:institution_component_change", args=[chartres.pk]), fields)
    assert changed.status_code == 302, changed.content.decode()[:2000]
    created = client.post(
        reverse("admin:institution_component_add"), {**fields, "code": "iut-dreux", "name": "IUT de Dreux"}
    )
    assert created.status_code == 302, created.content.decode()[:2000]

    dreux = Component.objects.get(code="iut-dreux")
    events = Event.objects.filter(action__startswith="institution.component.").order_by("pk")
    assert [(e.action, e.object_id, e.actor, e.data["fields"]) for e in events] == [
        ("institution.component.changed", str(chartres.pk), administrator, ["email"]),
        (
            "institution.component.created",
            str(dreux.pk),
            administrator,
            ["city", "code", "email", "name", "phones", "postal_code", "street", "university"],
        ),
    ]
