from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from matricule.accounts import throttle
from matricule.payments.models import Payment
from matricule.registration.access import get_registration_for
from matricule.registration.models import State

from . import services


@never_cache
@login_required
def certificate(request, pk: int):
    """The certificate as an accessible page, with the PDF in French and in English."""
    registration = get_registration_for(request, pk)
    if not services.certificate_available(registration):
        return render(request, "certificates/not_available.html", {"registration": registration}, status=409)
    document = services.issue_certificate(registration, "fr")
    return render(
        request,
        "certificates/certificate.html",
        {
            "registration": registration,
            "document": document,
            "data": document.data,
            "verification_url": services.verification_url(document.serial),
        },
    )


@login_required
def certificate_pdf(request, pk: int, language: str):
    if language not in ("fr", "en"):
        raise Http404
    registration = get_registration_for(request, pk)
    try:
        document = services.issue_certificate(registration, language)
    except services.NotAvailable:
        raise Http404 from None
    return _pdf(document, f"certificat-scolarite-{document.data['student_number']}-{language}.pdf")


@login_required
def summary_pdf(request, pk: int):
    """The registration summary PDF, recorded as an issued document (serial, verifiable) the
    first time."""
    registration = get_registration_for(request, pk)
    if registration.state != State.REGISTERED:
        raise Http404
    document = services.issue_summary(registration, (request.LANGUAGE_CODE or "fr")[:2])
    return _pdf(document, f"recapitulatif-{registration.student.student_number}.pdf")


@login_required
def receipt_pdf(request, pk: int):
    """The payment receipt of a paid registration (the student's own), recorded with a serial."""
    registration = get_registration_for(request, pk)
    payment = registration.payments.filter(
        status__in=[Payment.Status.CONFIRMED, Payment.Status.PARTLY_REFUNDED]
    ).first()
    if payment is None:
        raise Http404
    document = services.issue_receipt(payment, (request.LANGUAGE_CODE or "fr")[:2])
    return _pdf(document, f"attestation-paiement-{payment.reference}.pdf")


def _pdf(document, filename: str) -> FileResponse:
    response = FileResponse(
        document.file.open("rb"), content_type="application/pdf", as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_GET
def verify(request, serial: str | None = None):
    """Public: is this document authentic and valid? Shows only what is needed to compare."""
    typed = serial or request.GET.get("serial", "")
    if serial is None and typed:
        return redirect("certificates:verify-serial", services.normalize_serial(typed))
    context = {"typed": typed}
    if typed:
        address = throttle.client_address(request)
        locked = throttle.locked_until("verify_address", address)
        if locked:
            return render(
                request, "certificates/verify.html", {**context, "locked_until": locked}, status=429
            )
        throttle.hit("verify_address", address)
        context["document"] = services.lookup(typed)
        context["checked"] = True
    return render(
        request,
        "certificates/verify.html",
        context,
        status=404 if typed and context.get("document") is None else 200,
    )
