import datetime

import pytest

from matricule.institution.models import AcademicYear, Population, RegistrationWindow


def _text(response) -> str:
    return response.content.decode().replace("\u00a0", " ")


def test_the_current_campaign_is_at_the_root_with_first_registration_open(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    page = _text(response)
    year = demo.current_year
    assert f"année universitaire {year.code}" in page
    assert "Ouverte" in page or "Ouvert" in page
    assert response.context["overview"].first_main[0].state == "open"
    assert '<html lang="fr">' in page


def test_the_2024_2025_page_shows_the_seed_calendar_and_contacts(client, year_2024):
    response = client.get("/annee/2024-2025/")
    assert response.status_code == 200
    page = _text(response)
    assert "8 juillet 2024 à 12:00" in page
    assert "21 août 2024" in page and "24 septembre 2024" in page  # second period
    assert "24 juin 2024" in page and "3 septembre 2024" in page  # re-registration
    assert "103 €" in page  # CVEC
    assert "IUT de Chartres" in page
    assert "1 place Roger Joly" in page and "28000 Chartres" in page
    assert "02 37 91 83 09" in page and "02 37 91 83 47" in page
    assert "scolarite.iut28@univ-orleans.fr" in page
    assert "1er septembre 2024" in page  # phone assistance until
    assert "assistance.inscription@univ-orleans.fr" in page
    assert "Stagiaires de formation continue" in page


def test_the_current_page_links_to_the_other_years(client, demo):
    page = _text(client.get("/"))
    assert 'href="/annee/2024-2025/"' in page


def test_the_english_page_is_complete(client, year_2024):
    response = client.get("/en/year/2024-2025/")
    assert response.status_code == 200
    page = _text(response)
    assert '<html lang="en">' in page
    assert "8 July 2024 at 12:00" in page
    assert "Continuing education trainees" in page
    assert "Skip to main content" in page
    # The language switch points back to the French page.
    assert 'href="/annee/2024-2025/"' in page


def test_changing_a_window_in_the_database_changes_the_page_at_once(client, year_2024, paris_time):
    window = RegistrationWindow.objects.get(academic_year=year_2024, population=Population.FIRST_MAIN)
    window.opens_at = paris_time(2024, 7, 9, 14)
    window.save()
    page = _text(client.get("/annee/2024-2025/"))
    assert "9 juillet 2024 à 14:00" in page
    assert "8 juillet 2024 à 12:00" not in page


def test_a_window_restricted_to_a_component_names_it(client, demo, paris_time):
    from matricule.institution.models import Component

    year = demo.current_year
    window = RegistrationWindow.objects.create(
        academic_year=year,
        population=Population.REREGISTRATION,
        opens_at=paris_time(2000, 1, 1),
        closes_at=paris_time(2099, 1, 1),
    )
    window.components.add(Component.objects.get(code="ufr-st"))
    page = _text(client.get("/"))
    assert "uniquement pour UFR Sciences et Techniques" in page


def test_unknown_year_is_a_translated_404(client, demo):
    response = client.get("/annee/1999-2000/")
    assert response.status_code == 404
    assert "Page introuvable" in _text(response)


@pytest.mark.django_db
def test_without_a_configured_year_the_page_says_so(client):
    response = client.get("/")
    assert response.status_code == 503
    assert AcademicYear.objects.count() == 0
    assert "pas encore ouvertes" in _text(response) or "pas encore" in _text(response)


def test_security_headers_are_set(client, demo):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_health_check(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_dates_are_paris_time_in_winter_too(client, demo, paris_time):
    year = demo.current_year
    window = RegistrationWindow.objects.get(
        academic_year=year, population=Population.FIRST_MAIN, components__isnull=True
    )
    window.opens_at = datetime.datetime(2026, 1, 5, 11, 0, tzinfo=datetime.UTC)
    window.save()
    assert "5 janvier 2026 à 12:00" in _text(client.get("/"))


def test_the_privacy_notice_says_who_why_how_long_and_whom_to_ask(demo, client):
    html = client.get("/donnees-personnelles/").content.decode()
    assert "Vos données personnelles" in html
    assert "Université d&#x27;Orléans" in html or "Université d'Orléans" in html
    assert "Château de la Source" in html  # the controller's address, from the configuration
    assert 'href="mailto:dpo@univ-orleans.example"' in html
    assert "10 ans" in html  # the audit trail's retention, from the settings
    assert "cnil.fr" in html
    english = client.get("/en/personal-data/").content.decode()
    assert "Your personal data" in english and "data protection officer" in english


def test_every_page_links_the_privacy_notice_and_the_login_says_why(demo, client):
    for path in ("/", "/connexion/"):
        assert 'href="/donnees-personnelles/"' in client.get(path).content.decode()
