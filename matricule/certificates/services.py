"""Issuing, storing, verifying and revoking official documents."""

import hashlib
import json
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from matricule import countries
from matricule.audit.services import record
from matricule.registration.models import Registration, State

from .models import IssuedDocument, Letterhead, initials

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: serials are typed by people


class NotAvailable(Exception):
    """The certificate cannot be issued yet (not registered, documents not all validated)."""


class RegistrationPurged(NotAvailable, Http404):
    """The registration's personal data are gone (privacy.retention): nothing is issued for it
    again (a new document would revoke the one still verifiable). A page asking for one answers
    404, like any document that is not there."""


def new_serial() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))  # about 59 bits: not guessable
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_serial(value: str) -> str:
    raw = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}" if len(raw) == 12 else raw


def certificate_available(registration: Registration) -> bool:
    from matricule.documents.services import documents_complete

    return (
        registration.state == State.REGISTERED
        and registration.purged_at is None
        and documents_complete(registration)
    )


def letterhead_for(component) -> Letterhead | None:
    """The signatory and logo printed for a component: its own letterhead, else the university's."""
    return (
        Letterhead.objects.filter(component=component).first()
        or Letterhead.objects.filter(component__isnull=True).first()
    )


def signatory_title(letterhead: Letterhead | None, language: str) -> str:
    if letterhead is None:
        return ""
    if language == "en" and letterhead.signatory_title_en:
        return letterhead.signatory_title_en
    return letterhead.signatory_title_fr


def certified_data(registration: Registration) -> dict:
    student = registration.student
    user = student.user
    contacts = registration.cleaned.get("contacts") or {}
    return {
        "last_name": student.last_name or user.last_name,
        "first_names": student.first_names or user.first_name,
        "birth_date": student.birth_date.isoformat() if student.birth_date else "",
        "student_number": registration.student.student_number or "",
        "ine": registration.cleaned.get("ine", {}).get("ine", "") or "",
        "stage": registration.stage.name,
        "programme": registration.stage.programme.name,
        "component": registration.stage.programme.component.name,
        "academic_year": registration.academic_year.code,
        # The postal address the student gave (or changed through a request), as printed lines.
        "address": [
            line.strip()
            for line in (
                contacts.get("street", ""),
                f"{contacts.get('postal_code', '')} {contacts.get('city', '')}",
                countries.name(contacts.get("country", "")),
            )
            if line.strip()
        ],
    }


def minimum(data: dict) -> dict:
    """What the verification page keeps once the document's data are purged (retention)."""
    return {
        "holder_initials": initials(str(data.get("first_names", "")), str(data.get("last_name", ""))),
        "academic_year_code": str(data.get("academic_year", ""))[:9],
        "stage_name": str(data.get("stage", ""))[:200],
    }


def _hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def verification_url(serial: str) -> str:
    with translation.override("fr"):
        return settings.SITE_URL + reverse("certificates:verify-serial", args=[serial])


def issue_document(
    registration: Registration, kind: str, language: str, data: dict, render
) -> IssuedDocument:
    """Any official PDF: recorded with a serial, stored, made again (the old one revoked) only when
    what it certifies changes. `render(serial)` returns (pdf bytes, signed)."""
    if registration.purged_at is not None:
        raise RegistrationPurged
    digest = _hash(data)
    existing = IssuedDocument.objects.filter(
        registration=registration, kind=kind, language=language, status="valid"
    ).first()
    if existing and existing.data_hash == digest:
        return existing
    serial = new_serial()
    pdf, signed = render(serial)
    stored = None
    try:
        with transaction.atomic():
            if existing:
                _revoke(existing, "replaced: the certified data changed")
            document = IssuedDocument(
                serial=serial,
                kind=kind,
                registration=registration,
                language=language,
                data=data,
                data_hash=digest,
                signed=signed,
                **minimum(data),
            )
            document.file.save(f"{kind}-{serial}.pdf", ContentFile(pdf), save=False)
            stored = document.file.name
            document.save()
            record(f"certificates.{kind}.issued", obj=document, registration=registration.pk, serial=serial)
    except IntegrityError:  # issued by a concurrent request: use theirs
        if stored:
            # The file was written before the row lost the race: a PDF of personal data that
            # nothing refers to would stay in the storage for good.
            document.file.storage.delete(stored)
        return IssuedDocument.objects.get(
            registration=registration, kind=kind, language=language, status="valid"
        )
    return document


def _issue_pdf(registration: Registration, kind: str, language: str, render, **extra) -> IssuedDocument:
    """issue_document() for a PDF certifying the registration's `certified_data` and `extra`,
    signed when a key is configured: `render(serial, data)` makes it (unsigned)."""
    data = {**certified_data(registration), **extra}
    return issue_document(registration, kind, language, data, lambda serial: _sign(render(serial, data)))


def issue_summary(registration: Registration, language: str = "fr") -> IssuedDocument:
    """The registration summary, recorded and verifiable like the certificate."""
    import dataclasses

    from .summary import render_summary, summary_data

    content = summary_data(registration, language)
    return _issue_pdf(
        registration,
        "summary",
        language,
        lambda serial, data: render_summary(dataclasses.replace(content, serial=serial)),
        fees_cents=content.total_cents,
        payment=content.payment_text,
        documents=content.documents,
    )


def issue_receipt(payment, language: str = "fr") -> IssuedDocument:
    from .receipt import receipt_pdf

    return _issue_pdf(
        payment.registration,
        "receipt",
        language,
        lambda serial, data: receipt_pdf(payment, language, serial=serial),
        payment_reference=payment.reference,
        paid_cents=payment.paid_cents,
        refunded_cents=payment.refunded_cents,
    )


def issue_certificate(registration: Registration, language: str = "fr") -> IssuedDocument:
    """The valid certificate of the registration, generated once and stored; made again (and
    the old one revoked) only when what it certifies has changed."""
    if not certificate_available(registration):
        raise NotAvailable
    return _issue_pdf(
        registration,
        "certificate",
        language,
        lambda serial, data: _render(registration, data, serial, language),
    )


def _render(registration, data, serial, language) -> bytes:
    import datetime

    from .certificate_pdf import CertificateData, render_certificate

    component = registration.stage.programme.component
    letterhead = letterhead_for(component)
    logo = None
    if letterhead and letterhead.logo:
        with letterhead.logo.open("rb") as handle:
            logo = handle.read()
    with translation.override(language):
        title = signatory_title(letterhead, language)
        return render_certificate(
            CertificateData(
                language=language,
                university_name=component.university.name,
                component_name=component.name,
                component_address_lines=[component.street, f"{component.postal_code} {component.city}"],
                logo_png=logo,
                signatory_name=letterhead.signatory_name if letterhead else "",
                signatory_title=title,
                last_name=data["last_name"],
                first_names=data["first_names"],
                birth_date=datetime.date.fromisoformat(data["birth_date"]) if data["birth_date"] else None,
                student_number=data["student_number"],
                ine=data["ine"],
                stage_name=data["stage"],
                programme_name=data["programme"],
                academic_year=data["academic_year"],
                serial=serial,
                address_lines=tuple(data.get("address", ())),
                verification_url=verification_url(serial),
                issued_on=timezone.localdate(),
                city=letterhead.city if letterhead else component.city,
            )
        )


def _sign(pdf: bytes) -> tuple[bytes, bool]:
    key_path, cert_path = settings.MATRICULE_SIGNING_KEY, settings.MATRICULE_SIGNING_CERT
    if not (key_path and cert_path):
        return pdf, False  # unsigned: the verification page still tells a real one from a fake
    from pathlib import Path

    from .signing import sign_pdf

    return sign_pdf(pdf, key_pem=Path(key_path).read_bytes(), cert_pem=Path(cert_path).read_bytes()), True


def _revoke(document: IssuedDocument, reason: str) -> None:
    document.status, document.revoked_at = IssuedDocument.Status.REVOKED, timezone.now()
    document.revoke_reason = reason[:200]
    document.save(update_fields=["status", "revoked_at", "revoke_reason"])
    record("certificates.revoked", obj=document, reason=reason)


def revoke_for_registration(registration: Registration, reason: str) -> int:
    count = 0
    for document in IssuedDocument.objects.filter(registration=registration, status="valid"):
        _revoke(document, reason)
        count += 1
    return count


def lookup(serial: str) -> IssuedDocument | None:
    return (
        IssuedDocument.objects.select_related("registration__academic_year")
        .filter(serial=normalize_serial(serial))
        .first()
    )
