import io
from pathlib import Path

import pytest

from matricule.admissions.importer import import_file

DATA = Path(__file__).parent / "data"


@pytest.fixture
def sample_bytes():
    """The sample export of the formats documentation: BOM, accents and deliberate traps."""
    return (DATA / "admis-parcoursup.csv").read_bytes()


@pytest.fixture
def run_import(demo):
    """Import bytes into the current campaign (or `academic_year`); returns the run."""

    def run(content: bytes, *, academic_year=None, file_name="admis.csv", user=None):
        return import_file(
            io.BytesIO(content),
            academic_year=academic_year or demo.current_year,
            file_name=file_name,
            user=user,
        )

    return run


def imported(**filters):
    """Candidates written by an import (the demo seeds a few of its own)."""
    from matricule.admissions.models import Candidate

    return Candidate.objects.filter(last_import_run__isnull=False, **filters)


def issue_table(run):
    """(line, column, severity, code) of each issue, in line order."""
    return [
        (issue.line_number, issue.column, issue.severity, issue.code)
        for issue in run.issues.order_by("line_number", "pk")
    ]


def counts(run):
    return {
        name: getattr(run, name)
        for name in ("lines_read", "created", "updated", "unchanged", "rejected", "unmapped", "not_accepted")
    }


HEADER = (
    "numero_parcoursup;ine;nom;prenom;sexe;date_naissance;email;telephone;"
    "commune_naissance;pays_naissance;nationalite;adresse;code_postal;ville;pays;bac_annee;"
    "bac_serie;bac_mention;uai_lycee;code_formation_psup;code_situation;date_reponse;phase;"
    "boursier"
)


def csv_line(
    number,
    last_name="DURAND",
    first_name="Zoé",
    birth="01/02/2006",
    email="zoe.durand@example.org",
    offer="GEII-1",
    situation="1",
    **extra,
):
    values = {
        "numero_parcoursup": number,
        "ine": "",
        "nom": last_name,
        "prenom": first_name,
        "sexe": "F",
        "date_naissance": birth,
        "email": email,
        "telephone": "",
        "commune_naissance": "Chartres",
        "pays_naissance": "France",
        "nationalite": "FR",
        "adresse": "",
        "code_postal": "28000",
        "ville": "Chartres",
        "pays": "France",
        "bac_annee": "2024",
        "bac_serie": "Générale",
        "bac_mention": "",
        "uai_lycee": "0280007F",
        "code_formation_psup": offer,
        "code_situation": situation,
        "date_reponse": "10/07/2024",
        "phase": "principale",
        "boursier": "N",
        **extra,
    }
    return ";".join(values[name] for name in HEADER.split(";"))
