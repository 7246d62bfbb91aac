"""The built-in exports: registrations, payment attempts, supporting documents and SISE.

Values come from the validated form data (`Registration.cleaned`) and the student's identity
(`Student`), falling back on the Parcoursup admission where the student's copy is empty."""

from decimal import Decimal
from typing import ClassVar

from django.db.models import Model, OuterRef, Subquery, TextChoices
from django.utils.translation import gettext_lazy as _

from matricule import countries, postal_codes
from matricule.accounts.staff import scope_queryset
from matricule.admissions.models import Result
from matricule.documents.models import DocumentType, Submission
from matricule.institution.models import OfflinePopulation, Stage
from matricule.payments.models import Payment
from matricule.registration.forms import GRANT_LABELS, BaccalaureateForm
from matricule.registration.models import Registration, State

from .base import Column, Exporter, Filter, register


# --- reading a registration ----------------------------------------------------------------
def cleaned(registration, step: str, key: str, default=None):
    return (registration.cleaned or {}).get(step, {}).get(key, default)


def identity(registration, name: str):
    """The student's civil identity, or the admission's while the student's copy is empty."""
    value = getattr(registration.student, name, None)
    if not value and registration.candidate_id:
        value = getattr(registration.candidate, name, None)
    return value or None


def answer(registration, step: str, key: str, admission_field: str | None = None):
    """The student's validated answer, or the admission's value (its field `admission_field`,
    by default named as the answer) while the answer is empty."""
    value = cleaned(registration, step, key)
    if not value and registration.candidate_id:
        value = getattr(registration.candidate, admission_field or key)
    return value or None


def ine(registration) -> str | None:
    return answer(registration, "ine", "ine")


def email(registration) -> str | None:
    return answer(registration, "contacts", "email") or registration.student.user.email or None


def phone(registration) -> str | None:
    return answer(registration, "contacts", "phone")


def nationality(registration) -> str | None:
    """The nationality's ISO 3166 alpha-2 code (what SISE and the ministry's files read); a text
    that names no country (typed before the list existed) as it was written."""
    value = answer(registration, "identity", "nationality")
    return (countries.resolve(value) or value) if value else None


def nationality_name(registration) -> str | None:
    value = answer(registration, "identity", "nationality")
    return countries.name(value) if value else None


def birth_commune(registration) -> str | None:
    """The INSEE code of the commune of birth, for a student born in France: read again from the
    town as it stands (a corrected town is followed), else the code the form derived. None
    abroad, or when the town names no single commune (docs/sise-export.md)."""
    if countries.resolve(answer(registration, "identity", "birth_country") or "") != "FR":
        return None
    town = answer(registration, "identity", "birth_town") or ""
    return postal_codes.town_insee_code(town) or cleaned(registration, "identity", "birth_insee") or None


def address_commune(registration) -> str | None:
    """The INSEE code of the commune of the address during the year, when it is in France: from
    its postal code and town (the form's, else the admission's). None abroad, or when the pair
    names no single commune."""
    contacts = cleaned(registration, "contacts", "postal_code") and registration.cleaned["contacts"]
    if contacts:
        code, city, country = contacts.get("postal_code"), contacts.get("city"), contacts.get("country")
    elif registration.candidate_id:
        candidate = registration.candidate
        code, city, country = candidate.postal_code, candidate.city, candidate.country
    else:
        return None
    if (countries.resolve(country or "") or country or "FR") != "FR":
        return None
    return postal_codes.insee_code(code or "", city or "") or None


def bac_year(registration) -> int | None:
    value = cleaned(registration, "baccalaureate", "year")
    if value is None and registration.candidate_id:
        value = registration.candidate.bac_year
    return int(value) if value else None


def bac_series(registration) -> str | None:
    if cleaned(registration, "baccalaureate", "kind") == "equivalent":
        return None
    return answer(registration, "baccalaureate", "series", "bac_series")


BAC_KINDS = dict(BaccalaureateForm.KINDS)


def bac_kind(registration):
    kind = cleaned(registration, "baccalaureate", "kind")
    return BAC_KINDS.get(kind) if kind else None


def euros(cents) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))


def first_year(code: str | None) -> int | None:
    """`2024-2025` → 2024, the form SISE writes academic years in."""
    return int(code[:4]) if code else None


def student_columns(get) -> tuple[Column, ...]:
    """The columns naming the student, for exports whose rows hang off a registration."""
    return (
        Column("student_number", _("Student number"), lambda o: get(o).student.student_number),
        Column("last_name", _("Birth name"), lambda o: identity(get(o), "last_name")),
        Column("first_names", _("First names"), lambda o: identity(get(o), "first_names")),
        Column("stage_code", _("Stage code"), lambda o: get(o).stage.code),
    )


def hanging_off_registrations(queryset, *related: str):
    """Rows hanging off a registration (payments, documents), read with what `student_columns`
    needs (the registration's student, admission and stage) and `related`, without the
    registration's JSON fields."""
    return queryset.select_related(
        "registration__student", "registration__candidate", "registration__stage", *related
    ).defer("registration__data", "registration__cleaned", "registration__fee_lines")


class OfRegistrations(Exporter):
    """An export whose rows are registrations: those of the year, in the agent's components, by
    stage then by name."""

    year_lookup = "academic_year"
    component_lookup = "stage__programme__component_id"
    ordering = ("stage__code", "student__last_name", "student__first_names", "pk")


class HangingOffRegistrations(Exporter):
    """An export whose rows hang off a registration (payments, documents): those of the year's
    registrations in the agent's components, read with `hanging_off_registrations`."""

    year_lookup = "registration__academic_year"
    component_lookup = "registration__stage__programme__component_id"
    model: ClassVar[type[Model]]
    related: ClassVar[tuple[str, ...]] = ()  # more to read with each row

    def base_queryset(self):
        return hanging_off_registrations(self.model.objects.all(), *self.related)


# --- filters -------------------------------------------------------------------------------
def stage_choices(user) -> list[tuple[str, str]]:
    stages = scope_queryset(Stage.objects.all(), user, "programme__component_id")
    return [
        (str(pk), f"{code} · {name}")
        for pk, code, name in stages.order_by("code").values_list("pk", "code", "name")
    ]


def stage_filter(lookup: str) -> Filter:
    return Filter("stage", _("Programme stage"), lookup, stage_choices)


def static_choices(choices):
    return lambda user: [(value, label) for value, label in choices if value]


# --- registrations -------------------------------------------------------------------------
@register
class RegistrationsExporter(OfRegistrations):
    code = "registrations"
    title = _("Registrations")
    description = _("One row per registration of the year, by programme stage and state.")
    filters = (
        stage_filter("stage_id"),
        Filter("state", _("State"), "state", static_choices(State.choices)),
    )
    columns = (
        Column("registration", _("Registration number"), lambda r: r.pk, default=False),
        *student_columns(lambda r: r),
        Column("stage", _("Programme stage"), lambda r: r.stage.name),
        Column("programme", _("Programme"), lambda r: r.stage.programme.name, default=False),
        Column("component", _("Component"), lambda r: r.stage.programme.component.name, default=False),
        Column("kind", _("Kind of registration"), lambda r: r.get_kind_display(), default=False),
        Column("state", _("State"), lambda r: r.get_state_display()),
        Column("sex", _("Sex"), lambda r: identity(r, "sex"), default=False),
        Column(
            "birth_date",
            _("Date of birth"),
            lambda r: identity(r, "birth_date"),
            default=False,
            personal=True,
        ),
        Column("ine", _("INE"), ine, default=False),
        Column("email", _("Email"), email, default=False, personal=True),
        Column("phone", _("Phone"), phone, default=False, personal=True),
        Column("nationality", _("Nationality"), nationality_name, default=False, personal=True),
        Column(
            "parcoursup_number",
            _("Parcoursup number"),
            lambda r: f"P{r.candidate.parcoursup_number}" if r.candidate_id else None,
            default=False,
        ),
        Column("grant", _("Grant"), lambda r: GRANT_LABELS.get(cleaned(r, "social", "grant")), default=False),
        Column("cvec", _("CVEC attestation"), lambda r: cleaned(r, "cvec", "attestation"), default=False),
        Column("fees", _("Fees (€)"), lambda r: euros(r.fee_total_cents)),
        Column("submitted_at", _("Submitted at"), lambda r: r.submitted_at, default=False),
        Column("registered_at", _("Registered at"), lambda r: r.registered_at),
    )

    def base_queryset(self):
        return Registration.objects.defer("data").select_related(
            "student__user", "candidate", "stage__programme__component"
        )


# --- payments ------------------------------------------------------------------------------
@register
class PaymentsExporter(HangingOffRegistrations):
    code = "payments"
    title = _("Payments")
    description = _("One row per payment attempt of the year's registrations, whatever its outcome.")
    model = Payment
    ordering = ("created_at", "pk")
    filters = (
        stage_filter("registration__stage_id"),
        Filter("status", _("Payment status"), "status", static_choices(Payment.Status.choices)),
    )
    columns = (
        Column("reference", _("Reference"), lambda p: p.reference),
        Column("registration", _("Registration number"), lambda p: p.registration_id, default=False),
        *student_columns(lambda p: p.registration),
        Column("gateway", _("Gateway"), lambda p: p.gateway),
        Column("manual", _("Recorded by hand"), lambda p: p.manual, default=False),
        Column(
            "manual_method",
            _("Means of payment (by hand)"),
            lambda p: str(p.get_manual_method_display()) if p.manual_method else None,
            default=False,
        ),
        Column(
            "manual_reference",
            _("Cheque number or transfer reference"),
            lambda p: p.manual_reference or None,
            default=False,
        ),
        Column("status", _("Payment status"), lambda p: p.get_status_display()),
        Column(
            "anomaly", _("Anomaly"), lambda p: p.get_anomaly_display() if p.anomaly else None, default=False
        ),
        Column("amount", _("Amount due (€)"), lambda p: euros(p.amount_cents)),
        Column("paid", _("Amount paid (€)"), lambda p: euros(p.paid_cents)),
        Column("refunded", _("Amount refunded (€)"), lambda p: euros(p.refunded_cents), default=False),
        Column("currency", _("Currency"), lambda p: p.currency, default=False),
        Column("instalment", _("Instalment"), lambda p: p.instalment, default=False),
        Column("instalments", _("Number of instalments"), lambda p: p.instalment_count, default=False),
        Column("due_on", _("Due on"), lambda p: p.due_on, default=False),
        Column("transaction", _("Gateway transaction"), lambda p: p.transaction_id or None, default=False),
        Column("created_at", _("Created at"), lambda p: p.created_at),
        Column("confirmed_at", _("Confirmed at"), lambda p: p.confirmed_at),
    )


# --- supporting documents ------------------------------------------------------------------
def document_type_choices(user) -> list[tuple[str, str]]:
    return [(str(t.pk), t.name) for t in DocumentType.objects.order_by("order", "code")]


def reviewer(submission) -> str | None:
    agent = submission.reviewed_by
    return (agent.get_full_name() or agent.username) if agent else None


@register
class DocumentsExporter(HangingOffRegistrations):
    code = "documents"
    title = _("Supporting documents")
    description = _("One row per required document of the year's registrations, with where it stands.")
    model = Submission
    related = ("document_type", "reason", "reviewed_by")
    ordering = ("registration__stage__code", "registration_id", "document_type__order", "pk")
    filters = (
        stage_filter("registration__stage_id"),
        Filter("status", _("Document status"), "status", static_choices(Submission.Status.choices)),
        Filter("document_type", _("Document"), "document_type_id", document_type_choices),
    )
    columns = (
        Column("registration", _("Registration number"), lambda s: s.registration_id, default=False),
        *student_columns(lambda s: s.registration),
        Column("document_code", _("Document code"), lambda s: s.document_type.code, default=False),
        Column("document", _("Document"), lambda s: s.document_type.name),
        Column("status", _("Document status"), lambda s: s.get_status_display()),
        Column("reason", _("Reason for refusal"), lambda s: s.reason.label if s.reason_id else None),
        Column("comment", _("Comment to the student"), lambda s: s.comment or None, default=False),
        Column("submitted_at", _("Submitted at"), lambda s: s.submitted_at),
        Column("reviewed_at", _("Reviewed at"), lambda s: s.reviewed_at),
        Column("reviewed_by", _("Reviewed by"), reviewer, default=False),
    )


# --- SISE ----------------------------------------------------------------------------------
class Regime(TextChoices):
    """Régime d'inscription, with the BCN `n_regime_inscription` code it is written as."""

    INITIAL = "initial", _("Initial training")
    CONTINUING = "continuing", _("Continuing education")
    APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
    EXCHANGE = "exchange", _("Exchange programme")


# BCN codes (n_regime_inscription): 10 initial training outside apprenticeship, 12
# apprenticeship, 21 qualifying continuing education. Exchange students are in initial
# training; SISE records the exchange itself elsewhere (see docs/sise-export.md).
REGIME_CODES = {
    Regime.INITIAL: "10",
    Regime.APPRENTICESHIP: "12",
    Regime.CONTINUING: "21",
    Regime.EXCHANGE: "10",
}


def regime(registration) -> Regime:
    """What Matricule knows: the desk population the admission was sent to. Nothing in the
    data tells apprenticeship apart yet, so it is never derived (documented)."""
    population = registration.candidate.offline_population if registration.candidate_id else None
    if population == OfflinePopulation.Kind.CONTINUING_EDUCATION:
        return Regime.CONTINUING
    if population == OfflinePopulation.Kind.EXCHANGE:
        return Regime.EXCHANGE
    return Regime.INITIAL


def first_year_university(registration) -> int | None:
    """The earliest year the student is known at the university: their earliest registration
    here (this one included) or the earliest result imported for their student number."""
    years = [
        first_year(code)
        for code in (registration.sise_first_registration_year, registration.sise_first_result_year)
        if code
    ]
    return min(years) if years else None


def first_year_higher_education(registration) -> int | None:
    """Known only when the student came to us straight from secondary school: the
    baccalaureate obtained that year, or "secondary school" declared as last year's situation
    at their first registration here. Otherwise left empty rather than guessed."""
    first_here = first_year_university(registration)
    if first_here is None:
        return None
    if bac_year(registration) == first_here:
        return first_here
    came_from_school = registration.sise_first_situation == "secondary"
    if came_from_school and first_year(registration.sise_first_registration_year) == first_here:
        return first_here
    return None


@register
class SiseExporter(OfRegistrations):
    code = "sise"
    title = _("SISE (ministry statistics)")
    description = _(
        "One row per registered student of the year, with the data the SISE survey "
        "asks for (see the documentation for the codes and approximations)."
    )
    filters = (stage_filter("stage_id"),)
    columns = (
        Column("student_number", _("Student number"), lambda r: r.student.student_number),
        Column("ine", _("INE"), ine),
        Column("last_name", _("Birth name"), lambda r: identity(r, "last_name")),
        Column("first_names", _("First names"), lambda r: identity(r, "first_names")),
        Column("sex", _("Sex"), lambda r: identity(r, "sex")),
        Column("birth_date", _("Date of birth"), lambda r: identity(r, "birth_date"), personal=True),
        Column("nationality", _("Nationality (ISO 3166 code)"), nationality, personal=True),
        Column("birth_commune", _("Commune of birth (INSEE code)"), birth_commune, personal=True),
        Column("address_commune", _("Commune of residence (INSEE code)"), address_commune, personal=True),
        Column("bac_kind", _("Access diploma"), bac_kind, default=False),
        Column("bac_series", _("Baccalaureate series"), bac_series),
        Column("bac_year", _("Baccalaureate year"), bac_year),
        Column("component", _("Component"), lambda r: r.stage.programme.component.name, default=False),
        Column("programme_code", _("Programme code"), lambda r: r.stage.programme.code),
        Column("programme", _("Programme"), lambda r: r.stage.programme.name),
        Column(
            "diploma_type",
            _("Diploma type"),
            lambda r: r.stage.programme.get_diploma_type_display(),
            default=False,
        ),
        Column("stage_code", _("Stage code"), lambda r: r.stage.code),
        Column("level", _("Year of study"), lambda r: r.stage.level),
        Column("kind", _("Kind of registration"), lambda r: r.get_kind_display(), default=False),
        Column("regime", _("Regime"), lambda r: str(regime(r).label)),
        Column("regime_code", _("Regime code (BCN)"), lambda r: REGIME_CODES[regime(r)]),
        Column("first_year_he", _("First year in French higher education"), first_year_higher_education),
        Column("first_year_university", _("First year at the university"), first_year_university),
        Column("registered_at", _("Registered at"), lambda r: r.registered_at, default=False),
    )

    def base_queryset(self):
        earliest = (
            Registration.objects.filter(student_id=OuterRef("student_id"))
            .exclude(state=State.CANCELLED)
            .order_by("academic_year__starts_on", "pk")
        )
        results = Result.objects.filter(student_number=OuterRef("student__student_number")).order_by(
            "year_code"
        )
        return (
            Registration.objects.filter(state=State.REGISTERED)
            .defer("data")
            .select_related("student__user", "candidate", "stage__programme__component")
            .annotate(
                sise_first_registration_year=Subquery(earliest.values("academic_year__code")[:1]),
                sise_first_situation=Subquery(earliest.values("cleaned__previous__last_situation")[:1]),
                sise_first_result_year=Subquery(results.values("year_code")[:1]),
            )
        )
