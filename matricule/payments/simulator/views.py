"""The simulator's bank pages: a card form, then a signed notification and a signed return."""

import secrets
import urllib.parse

from django import forms
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..models import SimulatedBankTransaction
from ..services import gateway_for
from .gateway import signed, verify
from .tasks import deliver_notification

ORDER_FIELDS = [
    "reference",
    "amount",
    "currency",
    "label",
    "email",
    "return_url",
    "notify_url",
    "cancel_url",
    "signature",
]
# Test cards, as real gateways publish theirs.
CARDS = {"4111111111111111": "confirmed", "4000000000000002": "failed"}


def _luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


class CardForm(forms.Form):
    number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    expiry = forms.CharField(
        label=_("Expiry date (MM/YY)"), max_length=5, widget=forms.TextInput(attrs={"autocomplete": "cc-exp"})
    )
    cvc = forms.CharField(
        label=_("Security code"),
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )
    delay = forms.IntegerField(
        label=_("Delay the notification (seconds)"), min_value=0, max_value=30, required=False
    )
    duplicate = forms.BooleanField(label=_("Send the notification twice"), required=False)
    reorder = forms.BooleanField(label=_("Send a stale 'pending' notification after it"), required=False)

    def clean_number(self):
        number = "".join(ch for ch in self.cleaned_data["number"] if ch.isdigit())
        if len(number) < 13 or not _luhn_ok(number):
            raise forms.ValidationError(_("This card number is not valid."))
        return number


def _order(request) -> dict | None:
    order = {key: request.POST.get(key, "") for key in ORDER_FIELDS}
    secret = gateway_for("simulator").secret
    return order if verify(order, secret) else None


@csrf_exempt  # another "site": requests are authenticated by the merchant's signature
@require_POST
def card(request):
    order = _order(request)
    if order is None:
        return HttpResponseBadRequest("Invalid signature")
    return render(
        request,
        "payments/simulator/card.html",
        {"order": order, "form": CardForm(), "amount_cents": int(order["amount"])},
    )


@csrf_exempt
@require_POST
def pay(request):
    order = _order(request)
    if order is None:
        return HttpResponseBadRequest("Invalid signature")
    if request.POST.get("action") == "cancel":
        status, form = "cancelled", None
    else:
        form = CardForm(request.POST)
        if not form.is_valid():
            return render(
                request,
                "payments/simulator/card.html",
                {"order": order, "form": form, "amount_cents": int(order["amount"])},
                status=400,
            )
        status = CARDS.get(form.cleaned_data["number"], "failed")
    bank = SimulatedBankTransaction.objects.create(
        transaction_id=secrets.token_hex(8),
        reference=order["reference"],
        amount_cents=int(order["amount"]),
        currency=order["currency"],
        status=status,
        notify_url=order["notify_url"],
        return_url=order["return_url"],
    )
    secret = gateway_for("simulator").secret
    outcome = {
        "reference": bank.reference,
        "amount": str(bank.amount_cents),
        "currency": bank.currency,
        "status": status,
        "transaction_id": bank.transaction_id,
    }
    note = signed(outcome, secret)
    switches = form.cleaned_data if form is not None else {}
    deliver_notification.enqueue(note, bank.notify_url, switches.get("delay") or 0)
    if switches.get("duplicate"):
        deliver_notification.enqueue(note, bank.notify_url, switches.get("delay") or 0)
    if switches.get("reorder"):
        deliver_notification.enqueue(signed({**outcome, "status": "pending"}, secret), bank.notify_url, 0)
    back = order["cancel_url"] if status == "cancelled" else order["return_url"]
    return HttpResponseRedirect(back + "?" + urllib.parse.urlencode(note))
