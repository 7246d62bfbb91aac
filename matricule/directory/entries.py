"""What a student's entry in the directory should say, SupAnn 2021, from what Matricule knows:
pure functions of the student, their registered registrations and the entry as it stands.

Matricule owns the attributes it writes (names, identifiers, its addresses, its enrolments);
two multi-valued attributes may also hold values from elsewhere and are merged, not replaced:
- eduPersonAffiliation: a student is `student` and `member`; once no registration is in force
  (cancelled, or the year is over) `student` gives way to `alum` (SupAnn: ancien étudiant),
  any other affiliation (staff of the university, say) is kept, and `member` with it;
- supannEtuInscription: the values of this establishment (`[etab=…]` ours) are Matricule's,
  one per registered registration; values of other establishments are kept.
"""

import dataclasses
import datetime

from matricule.institution.models import DiplomaType

OBJECT_CLASSES = ("top", "person", "organizationalPerson", "inetOrgPerson", "eduPerson", "supannPerson")
STUDENT, MEMBER, ALUM = "student", "member", "alum"
# Affiliations that make a person a member of the university whatever their studies.
MEMBER_AFFILIATIONS = {"faculty", "staff", "employee", "researcher", "teacher", "emeritus"}
# SupAnn's nomenclature of years of study ({SUPANN}L1…M2, D1…), from the diploma's type and
# the stage's year; diplomas outside the LMD levels (DU, engineering) give none.
CURSUS_LETTER = {
    DiplomaType.BUT: "L",
    DiplomaType.LICENCE: "L",
    DiplomaType.MASTER: "M",
    DiplomaType.DOCTORATE: "D",
}


@dataclasses.dataclass(frozen=True)
class Enrolment:
    """A registered registration, as the directory describes it."""

    first_year: int  # 2024 for 2024-2025
    ends_on: datetime.date
    component: str
    programme: str
    stage: str
    diploma_type: str
    level: int


@dataclasses.dataclass(frozen=True)
class Person:
    student_number: str
    last_name: str  # birth name
    usual_name: str
    first_names: str
    ine: str
    personal_email: str
    enrolments: tuple[Enrolment, ...]


def enrolment_of(registration) -> Enrolment:
    stage = registration.stage
    programme = stage.programme
    return Enrolment(
        first_year=registration.academic_year.first_year,
        ends_on=registration.academic_year.ends_on,
        component=programme.component.code,
        programme=programme.code,
        stage=stage.code,
        diploma_type=programme.diploma_type,
        level=stage.level,
    )


def cursus_year(enrolment: Enrolment) -> str:
    if enrolment.diploma_type == DiplomaType.LICENCE_PRO:
        return "{SUPANN}L3"
    letter = CURSUS_LETTER.get(enrolment.diploma_type)
    return f"{{SUPANN}}{letter}{enrolment.level}" if letter else ""


def inscription(enrolment: Enrolment, etablissement: str) -> str:
    """One supannEtuInscription value, keys in the order of the recommendation. Matricule does
    not know the regime (initial or continuing education: regimeinsc), the disciplinary sector
    (sectdisc) nor the SISE diploma type (typedip): they are left out."""
    parts = [
        ("etab", etablissement),
        ("anneeinsc", str(enrolment.first_year)),
        ("cursusann", cursus_year(enrolment)),
        ("affect", enrolment.component),
        ("diplome", enrolment.programme),
        ("etape", enrolment.stage),
    ]
    return "".join(f"[{key}={value}]" for key, value in parts if value)


def in_force(person: Person, today: datetime.date) -> list[Enrolment]:
    """Registrations of a year not over yet (this year's, or next year's once registered)."""
    return [e for e in person.enrolments if e.ends_on >= today]


def affiliations(current: list[str], student: bool) -> list[str]:
    """eduPersonAffiliation and the primary one, from the entry's current values."""
    others = {value for value in current if value.lower() not in (STUDENT, MEMBER, ALUM)}
    values = set(others)
    if student:
        values |= {STUDENT, MEMBER}
    else:
        values.add(ALUM)
        if others & MEMBER_AFFILIATIONS:
            values.add(MEMBER)
    return sorted(values)


def primary_affiliation(current: str | None, student: bool) -> str:
    """A staff member who studies stays primarily staff; anyone else is a student, then an alum."""
    if current and current.lower() not in (STUDENT, ALUM, "affiliate", MEMBER):
        return current
    return STUDENT if student else ALUM


def display_name(person: Person) -> str:
    return f"{person.first_names} {person.usual_name or person.last_name}".strip()


def attributes(
    person: Person, *, uid: str, config, current: dict, today: datetime.date
) -> dict[str, list[str]]:
    """The entry's attributes as Matricule wants them (an empty list deletes the attribute);
    `current`: the entry as it stands ({} for a new one), attribute names as written here."""
    enrolments = in_force(person, today)
    student = bool(enrolments)
    etab = config.etablissement
    family_name = person.usual_name or person.last_name
    given = person.first_names.split()[0] if person.first_names.split() else person.first_names
    ours = {inscription(e, etab) for e in person.enrolments}
    mine = f"[etab={etab}]" if etab else "["
    kept = [value for value in current.get("supannEtuInscription", []) if not value.startswith(mine)]
    classes = list(current.get("objectClass", []))
    classes += [c for c in OBJECT_CLASSES if c.lower() not in {x.lower() for x in classes}]
    primary = current.get("eduPersonPrimaryAffiliation") or [None]
    wanted = {
        "objectClass": classes,
        "uid": [uid],
        "cn": [display_name(person)],
        "sn": [family_name],
        "givenName": [given] if given else [],
        "displayName": [display_name(person)],
        "supannEtuId": [person.student_number],
        "eduPersonAffiliation": affiliations(current.get("eduPersonAffiliation", []), student),
        "eduPersonPrimaryAffiliation": [primary_affiliation(primary[0], student)],
        "supannEtuInscription": sorted(ours) + kept,
        "supannEntiteAffectation": sorted({e.component for e in enrolments}),
        "supannMailPerso": [person.personal_email] if person.personal_email else [],
    }
    if person.ine:  # never erased: the registrar may have recorded it elsewhere
        wanted["supannCodeINE"] = [person.ine]
    if config.mail_domain:
        wanted["mail"] = [f"{uid}@{config.mail_domain}"]
    if etab:
        others = [value for value in current.get("supannEtablissement", []) if value != etab]
        wanted["supannEtablissement"] = [etab, *others]
    return wanted
