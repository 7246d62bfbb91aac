"""A realistic demo instance: University of Orléans, IUT de Chartres and two other components.

Idempotent: every row is found by its natural key and updated, so running it twice gives
the same database. The 2024-2025 year follows the seed page's calendar exactly; the current
campaign's windows are placed around today so that first registration is open now.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from matricule.accounts.models import ComponentMembership
from matricule.institution.models import (
    AcademicYear,
    AssistancePeriod,
    Component,
    DiplomaType,
    FeeSchedule,
    OfflinePopulation,
    Population,
    Programme,
    RegistrationWindow,
    Stage,
    University,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def paris(year, month, day, hour=0, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=PARIS)


COMPONENTS = [
    # The IUT de Chartres contacts are those of the seed page; the others are illustrative.
    {
        "code": "iut-chartres",
        "name": "IUT de Chartres",
        "street": "1 place Roger Joly",
        "postal_code": "28000",
        "city": "Chartres",
        "phones": "02 37 91 83 09, 02 37 91 83 47",
        "email": "scolarite.iut28@univ-orleans.fr",
    },
    {
        "code": "iut-orleans",
        "name": "IUT d'Orléans",
        "street": "16 rue d'Issoudun",
        "postal_code": "45067",
        "city": "Orléans",
        "phones": "02 38 49 44 00",
        "email": "scolarite.iut45@univ-orleans.fr",
    },
    {
        "code": "ufr-st",
        "name": "UFR Sciences et Techniques",
        "street": "Rue de Chartres",
        "postal_code": "45100",
        "city": "Orléans",
        "phones": "02 38 41 71 71",
        "email": "scolarite.st@univ-orleans.fr",
    },
]

# (component, code, name, diploma type, stage prefix, number of stages, stage label)
PROGRAMMES = [
    (
        "iut-chartres",
        "but-geii",
        "BUT Génie électrique et informatique industrielle",
        DiplomaType.BUT,
        "GEII",
        3,
        "BUT{n} GEII",
    ),
    (
        "iut-chartres",
        "but-gea",
        "BUT Gestion des entreprises et des administrations",
        DiplomaType.BUT,
        "GEA",
        3,
        "BUT{n} GEA",
    ),
    (
        "iut-chartres",
        "but-gmp",
        "BUT Génie mécanique et productique",
        DiplomaType.BUT,
        "GMP",
        3,
        "BUT{n} GMP",
    ),
    ("iut-chartres", "but-mp", "BUT Mesures physiques", DiplomaType.BUT, "MP", 3, "BUT{n} MP"),
    ("iut-orleans", "but-info", "BUT Informatique", DiplomaType.BUT, "INFO", 3, "BUT{n} Informatique"),
    (
        "ufr-st",
        "licence-info",
        "Licence Informatique",
        DiplomaType.LICENCE,
        "LINFO",
        3,
        "Licence {n} Informatique",
    ),
]

# Glossary fee table, in cents: (full, reduced, differentiated).
RATE_FIELDS = ("full_rate_cents", "reduced_rate_cents", "differentiated_rate_cents")
FEES = {
    "2024-2025": {
        DiplomaType.BUT: (17500, 11600, 277000),
        DiplomaType.LICENCE: (17500, 11600, 277000),
        DiplomaType.MASTER: (25000, 16400, 377000),
        DiplomaType.DOCTORATE: (39100, None, None),
        DiplomaType.ENGINEERING: (61800, None, None),
    },
    "2025-2026": {
        DiplomaType.BUT: (17800, 11800, 277000),
        DiplomaType.LICENCE: (17800, 11800, 277000),
        DiplomaType.MASTER: (25400, 16600, 377000),
        DiplomaType.DOCTORATE: (39700, 26400, None),
        DiplomaType.ENGINEERING: (62800, None, None),
    },
}
CVEC_CENTS = {"2023-2024": 10000, "2024-2025": 10300, "2025-2026": 10500}

HELPLINE_HOURS_FR = (
    "du lundi au jeudi de 8h30 à 12h00 et de 13h30 à 17h00, le vendredi de 8h30 à 12h00 et de 13h30 à 16h00"
)
HELPLINE_HOURS_EN = "Monday to Thursday 8:30-12:00 and 13:30-17:00, Friday 8:30-12:00 and 13:30-16:00"

# Each: the kind, then its label and message in French and English (OFFLINE_POPULATION_FIELDS).
OFFLINE_POPULATION_FIELDS = ("label_fr", "label_en", "message_fr", "message_en")
OFFLINE_POPULATIONS = [
    (
        OfflinePopulation.Kind.CONTINUING_EDUCATION,
        "Stagiaires de formation continue",
        "Continuing education trainees",
        "Votre inscription se fait auprès du service de formation continue de votre composante, "
        "qui vous contactera. Vous n'êtes pas concerné par la CVEC.",
        "You are registered by your component's continuing education office, which will contact "
        "you. The CVEC does not apply to you.",
    ),
    (
        OfflinePopulation.Kind.EXCHANGE,
        "Étudiants d'un programme d'échange",
        "Exchange programme students",
        "Votre inscription se fait auprès du service des relations internationales et de la "
        "scolarité de votre composante, à votre arrivée.",
        "You are registered on arrival by the international office and the registrar's office "
        "of your component.",
    ),
    (
        OfflinePopulation.Kind.NON_EU_FIRST,
        "Étudiants extracommunautaires (première inscription)",
        "Non-EU students (first registration)",
        "Votre première inscription se fait auprès du service de scolarité de votre composante : "
        "prenez contact avec lui avant la rentrée.",
        "Your first registration is done by your component's registrar's office: contact it "
        "before the start of the year.",
    ),
]

STAFF = [
    # username, password, first name, last name, superuser, component, role
    ("admin", "matricule-admin", "Camille", "Administratrice", True, None, None),
    (
        "agent.chartres",
        "matricule-agent",
        "Julien",
        "Scolarité Chartres",
        False,
        "iut-chartres",
        ComponentMembership.Role.AGENT,
    ),
    (
        "agent.orleans",
        "matricule-agent",
        "Sophie",
        "Scolarité Orléans",
        False,
        "iut-orleans",
        ComponentMembership.Role.AGENT,
    ),
]


# Admitted candidates of the current campaign, some in each situation:
# (key, number suffix, last name, first names, sex, offer code, situation, phase, offline, grant)
CANDIDATES = [
    ("chloe", "0012345", "LEFÈVRE", "Chloé", "F", "GEII-1", "1", "principale", "", False),
    ("moussa", "0012346", "N'DIAYE", "Moussa", "M", "GEII-1", "2", "principale", "", True),
    ("ines", "0012347", "GARCIA", "Inès", "F", "GEA-1", "1", "complementaire", "", False),
    ("hugo", "0012348", "DUBOIS", "Hugo", "M", "GEA-1", "3", "principale", "", False),
    ("nadia", "0012349", "BENALI", "Nadia", "F", "GMP-1", "1", "principale", "continuing_education", False),
    ("thanh", "0012350", "NGUYEN", "Thanh", "M", "XXX-9", "1", "principale", "", False),
    ("lea", "0012351", "MARTIN", "Léa Anne", "F", "INFO-1", "1", "principale", "", False),
]


@dataclass
class DemoResult:
    current_year: AcademicYear
    staff: list[tuple[str, str, str]]
    candidates: list = None


def campaign_code_for(today: datetime.date) -> str:
    """Registration for year Y-(Y+1) runs from June of Y; before June it is the previous one."""
    first = today.year if today.month >= 6 else today.year - 1
    return f"{first}-{first + 1}"


@transaction.atomic
def seed(today: datetime.date | None = None) -> DemoResult:
    today = today or datetime.datetime.now(PARIS).date()
    university = _university()
    components = {c["code"]: _component(university, c) for c in COMPONENTS}
    for spec in PROGRAMMES:
        _programme(components, *spec)
    _offline_populations(university)

    y2024 = _year("2024-2025", cvec=CVEC_CENTS["2024-2025"], cvec_from=datetime.date(2024, 6, 1))
    _windows(
        y2024,
        {
            Population.FIRST_MAIN: (paris(2024, 7, 8, 12), paris(2024, 7, 31, 23, 59)),
            Population.FIRST_SECOND: (paris(2024, 8, 21), paris(2024, 9, 24, 23, 59)),
            Population.REREGISTRATION: (paris(2024, 6, 24), paris(2024, 9, 3, 23, 59)),
        },
    )
    _fees(y2024, FEES["2024-2025"])
    _assistance(
        y2024,
        components.values(),
        None,
        datetime.date(2024, 9, 1),
        datetime.date(2024, 6, 24),
        datetime.date(2024, 9, 3),
    )

    code = campaign_code_for(today)
    latest_known = max(FEES)
    current = _year(
        code,
        cvec=CVEC_CENTS.get(code, CVEC_CENTS[max(CVEC_CENTS)]),
        cvec_from=datetime.date(int(code[:4]), 6, 1),
    )
    day = datetime.datetime.combine(today, datetime.time(), tzinfo=PARIS)
    _windows(
        current,
        {
            Population.FIRST_MAIN: (
                day - datetime.timedelta(days=2) + datetime.timedelta(hours=12),
                day + datetime.timedelta(days=30, hours=23, minutes=59),
            ),
            Population.FIRST_SECOND: (
                day + datetime.timedelta(days=31),
                day + datetime.timedelta(days=60, hours=23, minutes=59),
            ),
            Population.REREGISTRATION: (
                day - datetime.timedelta(days=10),
                day + datetime.timedelta(days=45, hours=23, minutes=59),
            ),
        },
    )
    _fees(current, FEES.get(code, FEES[latest_known]))
    _assistance(
        current,
        components.values(),
        None,
        today + datetime.timedelta(days=30),
        today - datetime.timedelta(days=10),
        today + datetime.timedelta(days=45),
    )
    AcademicYear.objects.exclude(pk=current.pk).update(is_current=False)
    # The current campaign lets students pay by card in three instalments.
    AcademicYear.objects.filter(pk=current.pk).update(is_current=True, instalments=3)
    current.refresh_from_db()

    previous = _year(
        f"{current.first_year - 1}-{current.first_year}",
        cvec=CVEC_CENTS.get(f"{current.first_year - 1}-{current.first_year}", 10500),
        cvec_from=datetime.date(current.first_year - 1, 6, 1),
    )
    if previous.pk != y2024.pk:
        _fees(previous, FEES.get(previous.code, FEES[latest_known]))
    AcademicYear.objects.filter(pk=previous.pk).update(is_current=False)
    _documents([y2024, previous, current])
    _letterheads(components)
    staff = [_staff(components, *spec) for spec in STAFF]
    candidates = [_candidate(current, *spec) for spec in CANDIDATES]
    _cvec_attestations(current, candidates)
    # Licence Informatique takes additional registrations (e.g. a BUT student adding it).
    Programme.objects.filter(code="licence-info").update(accepts_additional=True)
    from .continuing import seed_continuing

    seed_continuing(previous, current)
    return DemoResult(current_year=current, staff=staff, candidates=candidates)


def _university() -> University:
    university = University.objects.order_by("pk").first() or University()
    university.name = "Université d'Orléans"
    university.short_name = "Univ. Orléans"
    university.website = "https://www.univ-orleans.fr"
    university.helpline_phone = "02 38 41 70 86"
    university.helpline_email = "assistance.inscription@univ-orleans.fr"
    # The privacy notice's controller and data protection officer (a demo's placeholders).
    university.postal_address = "Château de la Source\nAvenue du Parc Floral\n45067 Orléans Cedex 2"
    university.dpo_email = "dpo@univ-orleans.example"
    # The accessibility statement's contact and audit figures (a demo's placeholders, said so on
    # the page: no real audit stands behind them).
    audited_on = datetime.date.today() - datetime.timedelta(days=45)
    university.accessibility_email = "accessibilite@univ-orleans.example"
    university.accessibility_audit_date = audited_on
    university.accessibility_auditor = "Audit de démonstration (chiffres fictifs)"
    university.accessibility_criteria_met, university.accessibility_criteria_applicable = 44, 52
    university.accessibility_statement_date = audited_on + datetime.timedelta(days=14)
    university.save()
    return university


def _component(university: University, data: dict) -> Component:
    component, _ = Component.objects.update_or_create(
        code=data["code"], defaults={**data, "university": university}
    )
    return component


def _programme(components, component_code, code, name, diploma_type, prefix, count, label):
    programme, _ = Programme.objects.update_or_create(
        code=code,
        defaults={
            "component": components[component_code],
            "name": name,
            "diploma_type": diploma_type,
            "is_active": True,
        },
    )
    following = None
    for level in range(count, 0, -1):  # last stage first, so each can point to the next
        stage_code = f"{prefix}-{level}"
        stage, _ = Stage.objects.update_or_create(
            code=stage_code,
            defaults={
                "programme": programme,
                "name": label.format(n=level),
                "level": level,
                "parcoursup_code": stage_code if level == 1 else "",
                "next_stage": following,
            },
        )
        following = stage


def _offline_populations(university: University) -> None:
    for kind, *texts in OFFLINE_POPULATIONS:
        OfflinePopulation.objects.update_or_create(
            university=university,
            kind=kind,
            defaults={**dict(zip(OFFLINE_POPULATION_FIELDS, texts, strict=True)), "is_active": True},
        )


def _year(code: str, *, cvec: int, cvec_from: datetime.date) -> AcademicYear:
    first = int(code[:4])
    year, _ = AcademicYear.objects.update_or_create(
        code=code,
        defaults={
            "starts_on": datetime.date(first, 9, 1),
            "ends_on": datetime.date(first + 1, 8, 31),
            "cvec_amount_cents": cvec,
            "cvec_from": cvec_from,
        },
    )
    return year


def _windows(year: AcademicYear, spans: dict) -> None:
    for population, (opens_at, closes_at) in spans.items():
        window = RegistrationWindow.objects.filter(
            academic_year=year, population=population, components__isnull=True
        ).first()
        if window is None:
            window = RegistrationWindow(academic_year=year, population=population)
        window.opens_at, window.closes_at = opens_at, closes_at
        window.save()


def _fees(year: AcademicYear, table: dict) -> None:
    for diploma_type, rates in table.items():
        FeeSchedule.objects.update_or_create(
            academic_year=year,
            diploma_type=diploma_type,
            defaults=dict(zip(RATE_FIELDS, rates, strict=True)),
        )


def _assistance(year, components, starts_on, ends_on, helpline_from, helpline_until) -> None:
    for component in components:
        AssistancePeriod.objects.update_or_create(
            academic_year=year,
            component=component,
            defaults={"starts_on": starts_on, "ends_on": ends_on, "hours_fr": "", "hours_en": ""},
        )
    AssistancePeriod.objects.update_or_create(
        academic_year=year,
        component=None,
        defaults={
            "starts_on": helpline_from,
            "ends_on": helpline_until,
            "hours_fr": HELPLINE_HOURS_FR,
            "hours_en": HELPLINE_HOURS_EN,
        },
    )


def _staff(components, username, password, first, last, superuser, component_code, role):
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username)
    user.first_name, user.last_name = first, last
    user.email = f"{username}@demo.matricule.invalid"
    user.is_staff = superuser
    user.is_superuser = superuser
    user.set_password(password)
    user.save()
    if component_code:
        ComponentMembership.objects.update_or_create(
            user=user, component=components[component_code], defaults={"role": role}
        )
    return (username, password, component_code or "administrator")


def demo_totp_secret(username: str) -> str:
    """A fixed base32 secret per demo staff member (`manage.py demo` only: the staff sign-in asks
    for a second factor; never to be done in production)."""
    import base64
    import hashlib

    return base64.b32encode(hashlib.sha256(f"matricule-demo-{username}".encode()).digest()[:20]).decode()


def _candidate(year, key, suffix, last, first, sex, offer, situation, phase, offline, grant):
    from matricule.admissions.models import Candidate

    first_year = year.first_year
    ascii_first = {"chloe": "chloe", "ines": "ines", "lea": "lea"}.get(key, key)
    ascii_last = last.lower().replace("è", "e").replace("'", "").replace(" ", "")
    candidate, _ = Candidate.objects.update_or_create(
        academic_year=year,
        parcoursup_number=f"{first_year % 100:02d}{suffix}",
        defaults={
            "last_name": last,
            "first_names": first,
            "sex": sex,
            "birth_date": datetime.date(first_year - 18, 3, 14),
            "email": f"{ascii_first}.{ascii_last}@example.org",
            "parcoursup_offer_code": offer,
            "stage": Stage.objects.filter(parcoursup_code=offer).first(),
            "situation": situation,
            "phase": phase,
            "offline_population": offline or None,
            "grant_holder_hint": grant,
            "nationality": "FR",
            "bac_year": first_year,
            "city": "Chartres",
            "postal_code": "28000",
        },
    )
    return candidate


def cvec_number(year: AcademicYear, candidate) -> str:
    from matricule.cvec.demo import demo_number

    return demo_number(int(candidate.parcoursup_number[-4:]), year.code)


def _cvec_attestations(year: AcademicYear, candidates) -> None:
    """Each demo candidate has paid the CVEC: the simulator knows their attestation
    (grant holders get an exemption attestation)."""
    from matricule.cvec.demo import seed_attestation

    for candidate in candidates:
        seed_attestation(
            number=cvec_number(year, candidate),
            last_name=candidate.last_name,
            first_names=candidate.first_names,
            birth_date=candidate.birth_date,
            ine=candidate.ine,
            academic_year_code=year.code,
            exempt=candidate.grant_holder_hint,
            exemption_reason="Boursier" if candidate.grant_holder_hint else "",
        )


DOCUMENT_TYPES = [
    # code, French, English, renewed every year, condition
    (
        "identity",
        "Pièce d'identité (carte d'identité ou passeport)",
        "Identity card or passport",
        False,
        "always",
    ),
    ("photo", "Photo d'identité pour la carte d'étudiant", "Photo for the student card", False, "always"),
    (
        "bac",
        "Relevé de notes ou attestation de réussite au baccalauréat",
        "Baccalaureate transcript or certificate",
        False,
        "french_bac",
    ),
    (
        "equivalent",
        "Diplôme équivalent et sa traduction",
        "Equivalent diploma and its translation",
        False,
        "equivalent_diploma",
    ),
    (
        "cvec",
        "Attestation d'acquittement ou d'exonération de la CVEC",
        "CVEC attestation",
        True,
        "cvec_concerned",
    ),
    (
        "grant",
        "Avis d'attribution de bourse (conditionnel accepté)",
        "Grant notification (provisional accepted)",
        True,
        "grant_holder",
    ),
    (
        "pupille",
        "Justificatif de pupille de la Nation",
        "Proof of pupille de la Nation status",
        False,
        "pupille",
    ),
]
REFUSAL_REASONS = [
    ("Document illisible ou flou", "Unreadable or blurred document"),
    ("Document incomplet (recto ou verso manquant)", "Incomplete document (a side is missing)"),
    ("Document expiré", "Expired document"),
    ("Ce n'est pas le document demandé", "Not the document asked for"),
    ("Le nom ne correspond pas à l'étudiant", "The name does not match the student"),
]


def _documents(years) -> None:
    from matricule.documents.models import DocumentType, RefusalReason, Requirement

    for order, (code, name_fr, name_en, renew, condition) in enumerate(DOCUMENT_TYPES):
        document_type, _ = DocumentType.objects.update_or_create(
            code=code,
            defaults={"name_fr": name_fr, "name_en": name_en, "order": order, "renew_every_year": renew},
        )
        for year in years:
            Requirement.objects.get_or_create(
                academic_year=year, document_type=document_type, condition=condition
            )
            # A demo refreshed after a rule changed keeps only the current rule.
            Requirement.objects.filter(academic_year=year, document_type=document_type).exclude(
                condition=condition
            ).delete()
    for order, (label_fr, label_en) in enumerate(REFUSAL_REASONS):
        RefusalReason.objects.update_or_create(
            label_fr=label_fr, defaults={"label_en": label_en, "order": order}
        )


def _letterheads(components) -> None:
    from matricule.certificates.models import Letterhead

    Letterhead.objects.update_or_create(
        component=None,
        defaults={
            "signatory_name": "Éric Blond",
            "signatory_title_fr": "Président de l'Université d'Orléans",
            "signatory_title_en": "President of the University of Orléans",
            "city": "Orléans",
        },
    )
    Letterhead.objects.update_or_create(
        component=components["iut-chartres"],
        defaults={
            "signatory_name": "Marie Dupont",
            "signatory_title_fr": "Directrice de l'IUT de Chartres",
            "signatory_title_en": "Director of the IUT de Chartres",
            "city": "Chartres",
        },
    )


def give_staff_known_second_factor(usernames) -> None:
    from matricule.accounts import totp

    for user in get_user_model().objects.filter(username__in=usernames):
        totp.set_known_key(user, demo_totp_secret(user.username))
