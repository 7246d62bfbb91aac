from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from matricule.fees.rules import fee_label
from matricule.registration.access import get_owned, get_registration_for
from matricule.registration.models import State
from matricule.rows import unique_row

from . import services
from .models import Payment


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def pay(request, pk: int):
    """The breakdown of what is due, then off to the gateway."""
    registration = get_registration_for(request, pk)
    if registration.state != State.AWAITING_PAYMENT:
        return redirect("registration:status", registration.pk)
    count = registration.academic_year.instalments
    if request.method == "POST":
        try:
            payment, action = services.start_payment(
                registration, instalments=request.POST.get("plan") == "instalments"
            )
        except services.PaymentError:
            return redirect("registration:status", registration.pk)
        return render(request, "payments/redirect.html", {"action": action, "payment": payment})
    attempts = registration.payments.order_by("-created_at")
    return render(
        request,
        "payments/pay.html",
        {
            "registration": registration,
            "fees": [(fee_label(line["code"]), line["amount_cents"]) for line in registration.fee_lines],
            "last_attempt": attempts.exclude(status=Payment.Status.SCHEDULED).first(),
            "instalments": (
                services.instalment_amounts(registration.fee_total_cents, count) if count > 1 else None
            ),
        },
    )


@never_cache
@login_required
@require_http_methods(["POST"])
def pay_instalment(request, pk: int, payment_pk: int):
    """A scheduled instalment, paid by the student when it is due (or earlier)."""
    registration = get_registration_for(request, pk)
    instalment = get_owned(Payment.objects.filter(status=Payment.Status.SCHEDULED), registration, payment_pk)
    payment, action = services.start_instalment(instalment)
    return render(request, "payments/redirect.html", {"action": action, "payment": payment})


@csrf_exempt  # called by the gateway's servers, authenticated by its signature or a look-up
@require_http_methods(["GET", "POST"])
def notify(request, code: str):
    gateway = services.configured_gateway(code)
    if gateway is None:
        # No such gateway here: nothing a retry would change, and not our server's failure.
        raise Http404
    handled, _payment = services.receive(
        code,
        channel="server",
        method=request.method,
        query=request.META.get("QUERY_STRING", ""),
        body=request.body,
        content_type=request.content_type or "",
    )
    status, content_type, body = gateway.notification_response(handled)
    return HttpResponse(body, status=status, content_type=content_type)


@never_cache
@csrf_exempt  # some gateways bring the browser back with a POST
@require_http_methods(["GET", "POST"])
def payment_return(request, reference: str):
    """Where the student's browser comes back. The notification may have arrived before,
    may arrive after, or never (the reconciliation task then asks the gateway)."""
    payment = unique_row(
        Payment.objects.select_related("registration__student__user").filter(reference=reference)
    )
    if payment is None:
        raise Http404
    returned = request.META.get("QUERY_STRING") or request.body
    # A gateway no longer configured here (changed since the payment started) cannot check what
    # the browser brings back: the page shows the payment as recorded, reconciliation follows.
    if returned and services.configured_gateway(payment.gateway) is not None:
        services.receive(
            payment.gateway,
            channel="browser",
            method=request.method,
            query=request.META.get("QUERY_STRING", ""),
            body=request.body,
            content_type=request.content_type or "",
        )
        payment.refresh_from_db()
        return redirect("payments:return", reference)  # a clean address to refresh
    owner = request.user.is_authenticated and payment.registration.student.user_id == request.user.pk
    if owner and payment.status == Payment.Status.CONFIRMED:
        return redirect("registration:status", payment.registration_id)
    return render(request, "payments/return.html", {"payment": payment, "owner": owner})
