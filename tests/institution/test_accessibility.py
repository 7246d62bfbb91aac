"""The accessibility statement (déclaration d'accessibilité): the DINUM model's sections, the
conformity state from the university's audit figures, the committed automated checks, and the
link every page carries."""

import datetime
import html
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from matricule.institution import accessibility, reference
from matricule.institution.accessibility import PAGES, Conformity, conformity
from matricule.institution.models import University

SECTIONS = (
    "conformity",
    "results",
    "automated-checks",
    "non-accessible",
    "establishment",
    "contact",
    "remedies",
)


def readable(response) -> str:
    """The page's text as typed in the tests: entities decoded, French non-breaking spaces plain."""
    return html.unescape(response.content.decode()).replace("\u00a0", " ").replace("\u202f", " ")


def statement_page(client, language="fr") -> str:
    with translation.override(language):
        address = reverse("accessibility-statement")
    response = client.get(address)
    assert response.status_code == 200
    return readable(response)


def configure(**fields):
    University.objects.update(**fields)
    reference.forget()  # the university is reference data, kept per process


@pytest.mark.parametrize(
    ("met", "applicable", "state"),
    [
        (None, None, Conformity.NONE),  # no audit
        (52, 52, Conformity.TOTAL),
        (51, 52, Conformity.PARTIAL),
        (26, 52, Conformity.PARTIAL),  # half: at least 50 %
        (25, 52, Conformity.NONE),
        (0, 52, Conformity.NONE),
    ],
)
def test_the_conformity_state_follows_the_rgaa_rule(met, applicable, state):
    assert conformity(met, applicable) == state


def test_the_rate_is_never_rounded_up_to_full_conformity():
    assert accessibility.rate(51, 52) == 98
    assert accessibility.rate(103, 104) == 99
    assert accessibility.rate(None, None) is None


def test_the_statement_has_the_sections_of_the_dinum_model_in_french(demo, client):
    page = statement_page(client)
    assert '<html lang="fr">' in page
    assert "<h1>Déclaration d'accessibilité</h1>" in page
    for section in SECTIONS:
        assert f'id="{section}"' in page, section
    for heading in (
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Non-conformités",
        "Dérogations pour charge disproportionnée",
        "Contenus non soumis à l'obligation d'accessibilité",
        "Établissement de cette déclaration d'accessibilité",
        "Retour d'information et contact",
        "Voies de recours",
    ):
        assert heading in page, heading
    assert "article 47 de la loi n° 2005-102 du 11 février 2005" in page
    assert "Matricule — inscription administrative en ligne" in page
    # The demo's audit figures: 44 of 52 criteria met.
    assert "partiellement conforme" in page and "84 %" in page
    assert "Audit de démonstration (chiffres fictifs)" in page
    # The PDFs: not tagged, offered as accessible HTML pages.
    assert "ne sont pas balisés" in page and "version HTML accessible" in page
    # Contact and recourse.
    assert 'href="mailto:accessibilite@univ-orleans.example"' in page
    assert "Château de la Source" in page
    assert "https://formulaire.defenseurdesdroits.fr/" in page
    assert "09 69 39 00 00" in page and "Libre réponse 71120" in page and "75342 Paris CEDEX 07" in page


def test_the_statement_is_complete_in_english(demo, client):
    page = statement_page(client, "en")
    assert '<html lang="en">' in page
    for section in SECTIONS:
        assert f'id="{section}"' in page, section
    for words in (
        "Accessibility statement",
        "Compliance status",
        "partially compliant",
        "Test results",
        "Non-accessible content",
        "Exemptions for disproportionate burden",
        "Feedback and contact",
        "Remedies",
        "09 69 39 00 00",
    ):
        assert words in page, words
    assert "Déclaration" not in page


def test_without_an_audit_the_service_is_declared_non_compliant(demo, client):
    configure(
        accessibility_audit_date=None,
        accessibility_auditor="",
        accessibility_criteria_met=None,
        accessibility_criteria_applicable=None,
        accessibility_email="",
        accessibility_statement_date=None,
    )
    page = statement_page(client)
    assert "non conforme" in page and "partiellement" not in page
    assert "Aucun audit de conformité n'a encore été réalisé." in page
    # No accessibility address: the registration helpline's, so someone still answers.
    assert "mailto:assistance.inscription@univ-orleans.fr" in page
    english = statement_page(client, "en")
    assert "non-compliant" in english and "No compliance audit has been carried out yet." in english


def test_with_no_university_configured_the_page_still_answers(db, client):
    page = statement_page(client, "en")
    assert "is <strong>non-compliant</strong>" in page
    assert "No compliance audit has been carried out yet." in page


def test_the_state_and_figures_come_from_the_configuration(demo, client):
    configure(
        accessibility_criteria_met=106,
        accessibility_criteria_applicable=106,
        accessibility_audit_date=datetime.date(2026, 3, 2),
        accessibility_auditor="Access42",
        accessibility_non_conformities_fr="",
        accessibility_exemptions_fr="Les vidéos d'accueil de 2019 : sous-titres en cours.",
        accessibility_statement_updated=datetime.date(2026, 4, 1),
    )
    page = statement_page(client)
    assert "totalement conforme" in page and "100 %" in page and "Access42" in page
    assert "2 mars 2026" in page and "1er avril 2026" in page
    assert "Les vidéos d'accueil de 2019" in page
    configure(
        accessibility_criteria_met=40,
        accessibility_non_conformities_fr="Images sans alternative\nOrdre de tabulation",
    )
    page = statement_page(client)
    assert "non conforme" in page and "37 %" in page
    assert "<li>Images sans alternative</li>" in page and "<li>Ordre de tabulation</li>" in page


def test_the_database_refuses_inconsistent_audit_figures(demo):
    for met, applicable in ((53, 52), (10, None), (None, 52), (0, 0)):
        with pytest.raises(IntegrityError), transaction.atomic():
            University.objects.update(
                accessibility_criteria_met=met, accessibility_criteria_applicable=applicable
            )


def test_the_admin_edits_the_statement_and_refuses_inconsistent_figures(client, administrator):
    university = University.objects.get()
    client.force_login(administrator)
    page = client.get(reverse("admin:institution_university_change", args=[university.pk]))
    assert page.status_code == 200
    for field in ("accessibility_email", "accessibility_criteria_met", "accessibility_non_conformities_en"):
        assert f'name="{field}"' in page.content.decode(), field
    university.accessibility_criteria_met = 60  # more than the 52 that apply
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        university.validate_constraints()
    assert "no more criteria met than criteria applicable" in str(refused.value)


def test_every_page_links_the_statement_with_its_state(demo, client, iut_agent, demo_candidates):
    from matricule.accounts.admission_login import user_for_candidate

    link = f'href="{reverse("accessibility-statement")}"'
    for address in ("/", reverse("privacy-notice"), reverse("accessibility-statement")):
        page = readable(client.get(address))
        assert link in page and "Accessibilité : partiellement conforme" in page, address
    # A student's page (the Jinja2 skeleton) and a back-office page (the Django one).
    client.force_login(user_for_candidate(demo_candidates["accepted"]))
    student = readable(client.get(reverse("registration:home")))
    assert link in student and "Accessibilité : partiellement conforme" in student
    client.force_login(iut_agent)
    staff = client.get("/gestion/")
    assert staff.status_code == 200
    assert link in staff.content.decode()
    configure(accessibility_criteria_met=None, accessibility_criteria_applicable=None)
    with translation.override("en"):
        english = client.get(reverse("accessibility-statement")).content.decode()
    assert "Accessibility: non-compliant" in english


# --- The committed automated checks (scripts/axe-audit) --------------------------------------------


def test_the_committed_results_are_well_formed_and_cover_the_sample():
    raw = json.loads(accessibility.RESULTS_FILE.read_text(encoding="utf-8"))
    assert set(raw) >= {"checked_at", "axe_version", "browser", "tags", "pages"}
    assert datetime.datetime.fromisoformat(raw["checked_at"]).tzinfo is not None
    assert {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"} <= set(raw["tags"])
    checks = accessibility.read_results()
    assert checks is not None
    # Every page the statement lists, each in French and in English, and no other.
    assert checks.page_keys == list(PAGES)
    assert sorted((page.key, page.language) for page in checks.pages) == sorted(
        (key, language) for key in PAGES for language in ("fr", "en")
    )
    for page in checks.pages:
        assert page.path.startswith("/en/" if page.language == "en" else "/"), page
        assert page.passes > 0 and page.incomplete >= 0, page
        assert all({"id", "impact", "nodes"} <= set(violation) for violation in page.violations), page
    assert checks.violations == 0, [(page.key, page.language, page.violations) for page in checks.failing]


def test_the_statement_shows_the_figures_of_the_automated_checks(demo, client):
    checks = accessibility.read_results()
    page = statement_page(client, "en")
    assert f"axe-core {checks.axe_version}" in page
    assert f"<dt>Automated checks passed</dt><dd>{checks.passes}</dd>" in page
    assert f"<dt>Violations found</dt><dd>{checks.violations}</dd>" in page
    assert f"{len(checks.page_keys)} pages ({len(checks.pages)} page views" in page
    for name in checks.page_names:
        assert f"<li>{name}</li>" in page, name
    assert "Automated checks cover only part of the RGAA criteria" in page


def test_without_results_the_statement_says_so(demo, client, tmp_path, monkeypatch):
    broken = tmp_path / "axe-results.json"
    broken.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(accessibility, "RESULTS_FILE", broken)
    accessibility.automated_checks.cache_clear()
    try:
        assert accessibility.read_results() is None
        page = statement_page(client, "en")
        assert "No automated check has been recorded yet." in page
        assert "Automated checks passed" not in page
    finally:
        monkeypatch.undo()
        accessibility.automated_checks.cache_clear()
