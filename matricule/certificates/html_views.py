"""The accessible HTML version of every issued PDF (RGAA criterion 13.3).

ReportLab's open-source edition writes no structure tree, so the PDFs are not tagged. Each is
offered beside a page with the same content, the same document number and its verification
link: the document the PDF view serves (the same issuing service, so the same serial), under the
same rule (the student's own registration; anything else, staff included, a 404). The document
is drawn in its own language inside the page, which keeps the reader's language.
"""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from markupsafe import Markup

from matricule.payments.models import Payment
from matricule.registration.access import get_registration_for
from matricule.registration.models import State

from . import services
from .models import IssuedDocument


def _language(request) -> str:
    return (request.LANGUAGE_CODE or "fr")[:2]  # as the PDF views choose it


def _twin(request, registration, document: IssuedDocument, template: str, context: dict, pdf: dict):
    """The page: what it is and the PDF beside it, in the reader's language, around the document
    drawn in its own language (`template`, given `context`)."""
    with translation.override(document.language):
        body = render_to_string(
            template,
            {
                **context,
                "document": document,
                "data": document.data,
                "verification_url": services.verification_url(document.serial),
            },
            request,
        )
    body = Markup(body)  # noqa: S704 (drawn by Jinja2, which escaped it)
    return render(
        request,
        "certificates/accessible_document.html",
        {"registration": registration, "document": document, "body": body, "pdf": pdf},
    )


@never_cache
@login_required
def certificate_html(request, pk: int, language: str):
    if language not in ("fr", "en"):
        raise Http404
    registration = get_registration_for(request, pk)
    try:
        document = services.issue_certificate(registration, language)
    except services.NotAvailable:
        raise Http404 from None
    component = registration.stage.programme.component
    # The signatory printed on the certificate, chosen as the PDF chooses it.
    letterhead = services.letterhead_for(component)
    title = services.signatory_title(letterhead, language)
    return _twin(
        request,
        registration,
        document,
        "certificates/accessible_certificate.html",
        {
            "component": component,
            # Stored as an ISO date in what the document certifies.
            "birth_date": datetime.date.fromisoformat(document.data["birth_date"])
            if document.data.get("birth_date")
            else None,
            "signatory_name": letterhead.signatory_name if letterhead else "",
            "signatory_title": title,
            "city": letterhead.city if letterhead else component.city,
        },
        {"url": reverse("certificates:pdf", args=[pk, language]), "language": language},
    )


@never_cache
@login_required
def summary_html(request, pk: int):
    registration = get_registration_for(request, pk)
    if registration.state != State.REGISTERED:
        raise Http404
    language = _language(request)
    document = services.issue_summary(registration, language)
    from .rendering import format_amount
    from .summary import summary_data

    # What the PDF is drawn from; its certified part is the document's data (issue_summary has
    # just made a new document if that changed).
    summary = summary_data(registration, language)
    return _twin(
        request,
        registration,
        document,
        "certificates/accessible_summary.html",
        {
            "summary": summary,
            "fees": [(label, format_amount(cents, language)) for label, cents in summary.fee_lines],
            "total": format_amount(summary.total_cents, language),
        },
        {"url": reverse("certificates:summary-pdf", args=[pk]), "language": language},
    )


@never_cache
@login_required
def receipt_html(request, pk: int):
    registration = get_registration_for(request, pk)
    payment = registration.payments.filter(
        status__in=[Payment.Status.CONFIRMED, Payment.Status.PARTLY_REFUNDED]
    ).first()
    if payment is None:
        raise Http404
    language = _language(request)
    document = services.issue_receipt(payment, language)
    from .rendering import format_amount

    return _twin(
        request,
        registration,
        document,
        "certificates/accessible_receipt.html",
        {
            "registration": registration,
            "component": registration.stage.programme.component,
            "payment": payment,
            "paid_on": timezone.localtime(payment.confirmed_at or payment.updated_at),
            "paid": format_amount(payment.paid_cents or 0, language),
            "refunded": format_amount(payment.refunded_cents, language) if payment.refunded_cents else "",
        },
        {"url": reverse("certificates:receipt", args=[pk]), "language": language},
    )


# The pages' print rules, served from here (`style-src 'self'`: no inline style): the document
# alone on the sheet, without the site's header, footer and links around it.
PRINT_CSS = """\
.skip-link, .site-header, .site-footer, .issued-document-about { display: none !important; }
body { background: #fff; color: #000; font-size: 11pt; }
main, .wrap { max-width: none; margin: 0; padding: 0; }
.issued-document h1, .issued-document h2 { break-after: avoid; }
.issued-document dl, .issued-document table, .issued-document-verification { break-inside: avoid; }
.issued-document a { color: #000; }
"""


@require_GET
def print_css(request):
    response = HttpResponse(PRINT_CSS, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
