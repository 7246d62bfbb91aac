"""The student file's actions on a registration (lifecycle.py): a page with its form for cancelling
and refunding, a button for the activation link. Managers of the registration's component (and
administrators) cancel and refund; agents may send the link; auditors only read."""

import decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from matricule.accounts.staff import can_act, can_manage, staff_required
from matricule.institution.templatetags.matricule_format import euros
from matricule.notifications.services import student_address
from matricule.payments import refunds
from matricule.registration.models import State, Student
from matricule.registration.services import correct_identity

from . import lifecycle
from .access import get_registration_for_agent, get_student_for_staff

ERRORS = {
    "already_cancelled": _("This registration is already cancelled."),
    "refund_failed": _("The payment platform refused the refund: nothing was done. Try again later."),
    "nothing_to_refund": _("Nothing paid for this registration is left to refund."),
    "paid_already": _("Money was taken for this registration: refund it, or cancel the registration."),
    "payment_under_way": _(
        "A card payment is under way for this registration: wait until it ends (the reconciliation "
        "settles a lost one within minutes)."
    ),
    "not_reopenable": _("Only a registration waiting for its payment can be given back for a correction."),
    "cannot_activate": _(
        "This student's account cannot be activated: it is active already, or the "
        "registration is not complete."
    ),
}


def _reason_field():
    return forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the registration's history."),
    )


class CancelForm(forms.Form):
    reason = _reason_field()
    refund = forms.BooleanField(
        label=_("Refund everything paid"),
        required=False,
        help_text=_("Through the payment platform where it can, else recorded for a refund by hand."),
    )


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount to refund, in euros"),
        required=False,
        min_value=decimal.Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reason = _reason_field()
    leaving = forms.BooleanField(
        label=_("The student leaves the programme"),
        required=False,
        help_text=_("Once everything paid is refunded, the registration is cancelled."),
    )

    def __init__(self, *args, refundable_cents: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.refundable_cents = refundable_cents
        self.fields["amount"].help_text = _("Leave empty to refund everything left: %(amount)s.") % {
            "amount": euros(refundable_cents)
        }

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and int(amount * 100) > self.refundable_cents:
            raise forms.ValidationError(
                _("Only %(amount)s is left to refund."), params={"amount": euros(self.refundable_cents)}
            )
        return amount


def _registration_to_manage(request, pk: int):
    registration = get_registration_for_agent(request.user, pk)
    if not can_manage(request.user, registration.stage.programme.component_id):
        raise PermissionDenied
    return registration


def _back(registration):
    return redirect("backoffice:student", registration.student_id)


def _page(request, registration, form, *, title, submit, status=200):
    return render(
        request,
        "backoffice/registration_action.html",
        {
            "registration": registration,
            "form": form,
            "title": title,
            "submit": submit,
            "paid_cents": refunds.refundable_cents(registration),
        },
        status=status,
    )


@never_cache
@staff_required(write=True)
@require_http_methods(["GET", "POST"])
def cancel(request, pk: int):
    registration = _registration_to_manage(request, pk)
    title, submit = _("Cancel the registration"), _("Cancel the registration")
    if registration.state == State.CANCELLED:
        messages.error(request, ERRORS["already_cancelled"])
        return _back(registration)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            refunded = lifecycle.cancel(
                registration,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                refund=form.cleaned_data["refund"],
            )
        except lifecycle.LifecycleError as error:
            form.add_error(None, ERRORS[error.code])
            return _page(request, registration, form, title=title, submit=submit, status=409)
        messages.success(request, _("The registration is cancelled; its certificates are revoked."))
        _say_refund(request, refunded)
        return _back(registration)
    return _page(request, registration, form, title=title, submit=submit, status=400 if form.errors else 200)


@never_cache
@staff_required(write=True)
@require_http_methods(["GET", "POST"])
def refund(request, pk: int):
    registration = _registration_to_manage(request, pk)
    title, submit = _("Refund what was paid"), _("Refund")
    form = RefundForm(request.POST or None, refundable_cents=refunds.refundable_cents(registration))
    if request.method == "POST" and form.is_valid():
        amount = form.cleaned_data.get("amount")
        try:
            refunded = lifecycle.refund(
                registration,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                amount_cents=int(amount * 100) if amount is not None else None,
                leaving=form.cleaned_data["leaving"],
            )
        except lifecycle.LifecycleError as error:
            form.add_error(None, ERRORS[error.code])
            return _page(request, registration, form, title=title, submit=submit, status=409)
        _say_refund(request, refunded)
        registration.refresh_from_db()
        if registration.state == State.CANCELLED:
            messages.success(request, _("The student leaves: the registration is cancelled."))
        return _back(registration)
    return _page(request, registration, form, title=title, submit=submit, status=400 if form.errors else 200)


def _say_refund(request, refunded):
    if refunded is None:
        return
    messages.success(request, _("%(amount)s refunded.") % {"amount": euros(refunded.refunded_cents)})
    if refunded.left_cents:
        messages.error(
            request,
            _("%(amount)s could not be refunded (payment %(payment)s): refund it by hand.")
            % {"amount": euros(refunded.left_cents), "payment": refunded.failed_payment},
        )


@never_cache
@staff_required(write=True)
@require_POST
def send_activation(request, pk: int):
    registration = get_registration_for_agent(request.user, pk)
    if not can_act(request.user, registration.stage.programme.component_id):
        raise PermissionDenied
    try:
        sent = lifecycle.send_activation(registration, actor=request.user)
    except lifecycle.LifecycleError as error:
        messages.error(request, ERRORS[error.code])
        return _back(registration)
    if sent:
        messages.success(request, _("The activation link is on its way to the student."))
    else:
        messages.error(request, _("Too many links were sent to this account lately: try again in an hour."))
    return _back(registration)


class IdentityForm(forms.Form):
    """The civil identity as the registrar's office corrects it, with why."""

    last_name = forms.CharField(label=_("Birth name"), max_length=100)
    first_names = forms.CharField(label=_("First names"), max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Student._meta.get_field("sex").choices])
    # A date input shows only an ISO value: the localised one (02/01/2006) would leave it empty.
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: “civil status certificate seen at the desk”. The student is told, with it."
        ),
    )


@never_cache
@staff_required(write=True)
@require_http_methods(["GET", "POST"])
def correct_identity_view(request, pk: int):
    """Agents and managers of a component where the student has a registration correct the
    student's civil identity; the student is told by email."""
    student = get_student_for_staff(request.user, pk)
    registrations = list(student.registrations.select_related("stage__programme").order_by("-created_at"))
    if not any(can_act(request.user, r.stage.programme.component_id) for r in registrations):
        raise PermissionDenied
    initial = {name: getattr(student, name) for name in ("last_name", "first_names", "sex", "birth_date")}
    form = IdentityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        to = student_address(registrations[0]) if registrations else student.user.email
        changed = correct_identity(student, actor=request.user, changes=data, reason=data["reason"], to=to)
        if changed:
            messages.success(request, _("The identity is corrected; the student is told by email."))
        else:
            messages.info(request, _("Nothing was changed: the identity is the same as before."))
        return redirect("backoffice:student", student.pk)
    return render(
        request,
        "backoffice/identity_correction.html",
        {"student": student, "form": form},
        status=400 if form.errors else 200,
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What the student must correct"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The student is told by email, with it."),
    )


@never_cache
@staff_required(write=True)
@require_http_methods(["GET", "POST"])
def reopen(request, pk: int):
    """Agents and managers of the component give a submitted form back to the student."""
    registration = get_registration_for_agent(request.user, pk)
    if not can_act(request.user, registration.stage.programme.component_id):
        raise PermissionDenied
    title, submit = _("Give the form back for a correction"), _("Give the form back")
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.reopen(registration, actor=request.user, reason=form.cleaned_data["reason"])
        except lifecycle.LifecycleError as error:
            form.add_error(None, ERRORS[error.code])
            return _page(request, registration, form, title=title, submit=submit, status=409)
        messages.success(request, _("The form is back with the student, who is told by email."))
        return _back(registration)
    return _page(request, registration, form, title=title, submit=submit, status=400 if form.errors else 200)
