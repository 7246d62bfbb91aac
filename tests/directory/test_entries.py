"""The SupAnn values Matricule computes (entries.py), without a directory."""

import datetime

from matricule.directory import entries
from matricule.directory.config import Directory
from matricule.institution.models import DiplomaType

TODAY = datetime.date(2025, 3, 1)
CONFIG = Directory(
    url="ldaps://ldap.univ.example",
    start_tls=False,
    bind_dn="",
    bind_password="",
    people_dn="ou=people,dc=univ,dc=example",
    uid_format="{student_number}",
    mail_domain="",
    etablissement="{UAI}0451483T",
    timeout=5,
)


def enrolment(year=2024, diploma=DiplomaType.BUT, level=1, **names):
    return entries.Enrolment(
        first_year=year,
        ends_on=datetime.date(year + 1, 8, 31),
        component=names.get("component", "iut-chartres"),
        programme=names.get("programme", "but-geii"),
        stage=names.get("stage", "GEII-1"),
        diploma_type=diploma,
        level=level,
    )


def person(*enrolments, usual_name=""):
    return entries.Person(
        student_number="24000012",
        last_name="LEFÈVRE",
        usual_name=usual_name,
        first_names="Chloé Marie",
        ine="",
        personal_email="",
        enrolments=enrolments,
    )


def test_inscription_values_follow_the_order_of_the_recommendation():
    value = entries.inscription(enrolment(), "{UAI}0451483T")
    assert value == (
        "[etab={UAI}0451483T][anneeinsc=2024][cursusann={SUPANN}L1][affect=iut-chartres]"
        "[diplome=but-geii][etape=GEII-1]"
    )
    # Outside the LMD levels, no cursusann; no establishment code, no etab.
    assert entries.inscription(enrolment(diploma=DiplomaType.DU), "") == (
        "[anneeinsc=2024][affect=iut-chartres][diplome=but-geii][etape=GEII-1]"
    )


def test_cursus_years():
    assert entries.cursus_year(enrolment(diploma=DiplomaType.MASTER, level=2)) == "{SUPANN}M2"
    assert entries.cursus_year(enrolment(diploma=DiplomaType.LICENCE_PRO, level=1)) == "{SUPANN}L3"
    assert entries.cursus_year(enrolment(diploma=DiplomaType.ENGINEERING, level=1)) == ""


def test_affiliations_keep_what_is_not_matricules():
    assert entries.affiliations([], student=True) == ["member", "student"]
    assert entries.affiliations(["student", "member"], student=False) == ["alum"]
    assert entries.affiliations(["staff", "member", "student"], student=False) == ["alum", "member", "staff"]
    assert entries.primary_affiliation(None, True) == "student"
    assert entries.primary_affiliation("student", False) == "alum"
    assert entries.primary_affiliation("staff", True) == "staff"


def test_a_year_over_is_no_longer_studying():
    last_year = enrolment(year=2023)
    wanted = entries.attributes(person(last_year), uid="e1", config=CONFIG, current={}, today=TODAY)
    assert wanted["eduPersonAffiliation"] == ["alum"]
    assert wanted["supannEntiteAffectation"] == []
    assert len(wanted["supannEtuInscription"]) == 1  # the past year's enrolment stays described


def test_names_and_optional_attributes():
    wanted = entries.attributes(
        person(enrolment(), usual_name="MARTIN"), uid="e1", config=CONFIG, current={}, today=TODAY
    )
    assert wanted["sn"] == ["MARTIN"]
    assert wanted["givenName"] == ["Chloé"]
    assert wanted["displayName"] == wanted["cn"] == ["Chloé Marie MARTIN"]
    assert "mail" not in wanted  # no mail domain configured
    assert "supannCodeINE" not in wanted  # unknown: never erased
    assert wanted["supannMailPerso"] == []
