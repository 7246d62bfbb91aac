"""The registration summary (récapitulatif d'inscription): its content, as HTML and as PDF."""

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from matricule.fees.rules import LABELS

from .models import Registration, State
from .summary_pdf import SummaryData, render_summary


def fee_label(code: str) -> str:
    return str(LABELS.get(code, code))


def required_documents(registration: Registration) -> list[str]:
    """The supporting documents to upload: the year's requirement rules (documents module),
    or, for a year configured without rules, the usual list from what the student declared."""
    from matricule.documents.services import required_types

    configured = required_types(registration)
    if configured:
        return [document_type.name for document_type in configured]
    cleaned = registration.cleaned
    documents = [_("Identity card or passport"), _("Photo for the student card")]
    if cleaned.get("baccalaureate", {}).get("kind") == "equivalent":
        documents.append(_("Equivalent diploma and its translation"))
    else:
        documents.append(_("Baccalaureate transcript or certificate"))
    documents.append(_("CVEC attestation"))
    if cleaned.get("social", {}).get("grant", "none") != "none":
        documents.append(_("Grant notification"))
    if cleaned.get("social", {}).get("pupille") == "yes":
        documents.append(_("Proof of pupille de la nation status"))
    if cleaned.get("social", {}).get("athlete") == "yes":
        documents.append(_("High-level athlete certificate"))
    return documents


def payment_text(registration: Registration) -> str:
    if registration.fee_total_cents == 0:
        return _("Exempt from registration fees (the proof will be checked by the registrar's office).")
    confirmed = registration.payments.filter(status="confirmed")
    if registration.state in (State.EXEMPT, State.REGISTERED) and not confirmed.exists():
        return _("Exempt from registration fees.")  # decided by the registrar's office
    if confirmed.filter(manual=True).exists():
        return _("Paid at the registrar's office.")
    if registration.state in (State.PAID, State.REGISTERED):
        return _("Paid by card.")
    return _("Awaiting payment.")


def summary_data(registration: Registration, language: str | None = None) -> SummaryData:
    language = language or translation.get_language() or "fr"
    with translation.override(language):
        component = registration.stage.programme.component
        student = registration.student
        identity = registration.cleaned.get("identity", {})
        ine = registration.cleaned.get("ine", {})
        contacts = registration.cleaned.get("contacts", {})
        user = registration.student.user
        return SummaryData(
            language=language[:2],
            university_name=component.university.name,
            component_name=component.name,
            component_address_lines=[component.street, f"{component.postal_code} {component.city}"],
            component_email=component.email,
            component_phones=component.phone_list,
            academic_year=registration.academic_year.code,
            student_number=registration.student.student_number or "",
            last_name=student.last_name or user.last_name,
            usual_name=identity.get("usual_name", ""),
            first_names=student.first_names or user.first_name,
            birth_date=student.birth_date,
            birth_place=", ".join(
                part for part in (identity.get("birth_town"), identity.get("birth_country")) if part
            ),
            ine=ine.get("ine", "") if ine.get("has_ine") == "yes" else "",
            ine_to_verify=bool(ine.get("ine_to_verify")),
            email=contacts.get("email", user.email),
            stage_name=registration.stage.name,
            programme_name=registration.stage.programme.name,
            fee_lines=[(fee_label(line["code"]), line["amount_cents"]) for line in registration.fee_lines],
            total_cents=registration.fee_total_cents or 0,
            payment_text=payment_text(registration),
            documents=required_documents(registration),
            issued_at=timezone.localtime(),
            serial=None,
        )


def summary_pdf(registration: Registration, language: str | None = None) -> bytes:
    return render_summary(summary_data(registration, language))
