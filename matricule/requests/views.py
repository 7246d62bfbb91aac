"""The student's side: my requests, a form per kind, files, withdrawal, the decision."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from matricule.bodylimit import FORM_MARGIN, accepts_body
from matricule.registration.access import get_owned, get_registration_for

from . import services
from .forms import FORMS, AttachmentForm, FeeRefundForm
from .models import Attachment, Kind, Request

CROUS_URL = "https://www.messervices.etudiant.gouv.fr"

# What the student reads when a service says no (codes of services.RequestError).
ERRORS = {
    "not_registered": gettext_lazy("Requests can be filed once your registration is complete."),
    "already_open": gettext_lazy(
        "You already have a request of this kind being handled: wait for its answer, or withdraw it first."
    ),
    "attachment_required": gettext_lazy("Attach the file asked for."),
    "too_many_files": gettext_lazy("A request carries 5 files at most."),
    "nothing_to_refund": gettext_lazy("No fee payment of this registration can be refunded."),
    "not_allowed": gettext_lazy("This request has been decided already: it can no longer be changed."),
    "closed": gettext_lazy("This request has been decided already: it can no longer be changed."),
}


def files_limit() -> int:
    """The largest body of a page that takes attachments: all of them at their size limit."""
    return services.MAX_ATTACHMENTS * settings.MATRICULE_UPLOAD_MAX_BYTES + FORM_MARGIN


def error_text(error: services.RequestError) -> str:
    return str(ERRORS.get(error.code, gettext_lazy("This action is not possible.")))


def get_request_for(http_request, pk: int, request_pk: int):
    """The registration and one of its requests, if they are the signed-in student's; else 404."""
    registration = get_registration_for(http_request, pk)
    student_request = get_owned(Request.objects.all(), registration, request_pk)
    student_request.registration = registration  # already loaded, with what the pages show
    return registration, student_request


def _form_for(kind: str, registration, data=None, files=None):
    form_class = FORMS[kind]
    options = {"registration": registration}
    if form_class is FeeRefundForm:
        options["refundable_cents"] = services.refundable_cents(registration)
    if data is None and kind == Kind.ADDRESS_CHANGE:  # start from the address we have
        contacts = registration.cleaned.get("contacts") or {}
        options["initial"] = {k: contacts.get(k, "") for k in ("street", "postal_code", "city", "country")}
    return form_class(data, files, **options)


@never_cache
@login_required
def request_list(request, pk: int):
    """ "My requests" for one registration, and the kinds the student may file."""
    registration = get_registration_for(request, pk)
    requests = list(registration.requests.prefetch_related("attachments").order_by("-created_at", "-pk"))
    open_kinds = {r.kind for r in requests if r.is_open}
    may_file = services.may_file(registration)
    nothing_paid = may_file and not services.refundable_cents(registration)
    kinds = [
        {
            "value": kind.value,
            "label": kind.label,
            "open": kind.value in open_kinds,
            "nothing_paid": nothing_paid and kind == Kind.FEE_REFUND,
        }
        for kind in Kind
    ]
    return render(
        request,
        "requests/list.html",
        {
            "registration": registration,
            "requests": requests,
            "kinds": kinds,
            "may_file": may_file,
            "crous_url": CROUS_URL,
        },
    )


@accepts_body(files_limit)
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new_request(request, pk: int, kind: str):
    registration = get_registration_for(request, pk)
    if kind not in FORMS:
        raise Http404
    if not services.may_file(registration):
        messages.error(request, ERRORS["not_registered"])
        return redirect("requests:list", registration.pk)
    if kind == Kind.FEE_REFUND and not services.refundable_cents(registration):
        messages.error(request, ERRORS["nothing_to_refund"])
        return redirect("requests:list", registration.pk)
    status = 200
    if request.method == "POST":
        form = _form_for(kind, registration, request.POST, request.FILES)
        if form.is_valid():
            attachment = form.cleaned_data.get("attachment")
            try:
                filed = services.file_request(
                    registration,
                    kind,
                    form.data_for_request(),
                    [attachment] if attachment else [],
                    actor=request.user,
                )
            except ValidationError as refusal:  # the file, refused by its content
                form.add_error("attachment", " ".join(refusal.messages))
            except services.RequestError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("Your request has been sent to the registrar's office."))
                return redirect("requests:detail", registration.pk, filed.pk)
        if form.errors and form.fields.get("attachment") and request.FILES:
            # A browser never sends a file again by itself: say so rather than let it look kept.
            form.add_error(None, _("For your safety the file was not kept: choose it again."))
        status = 400
    else:
        form = _form_for(kind, registration)
    return render(
        request,
        "requests/new.html",
        {"registration": registration, "form": form, "kind": Kind(kind)},
        status=status,
    )


@never_cache
@login_required
def detail(request, pk: int, request_pk: int):
    registration, student_request = get_request_for(request, pk, request_pk)
    return render(
        request,
        "requests/detail.html",
        {
            "registration": registration,
            "student_request": student_request,
            "attachments": list(student_request.attachments.all()),
            "attachment_form": AttachmentForm(),
            "max_files": services.MAX_ATTACHMENTS,
        },
    )


@accepts_body(files_limit)
@login_required
@require_POST
def attach(request, pk: int, request_pk: int):
    registration, student_request = get_request_for(request, pk, request_pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to send."))
        return redirect("requests:detail", registration.pk, student_request.pk)
    try:
        services.add_attachment(student_request, form.cleaned_data["file"], actor=request.user)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    except services.RequestError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The file has been added to your request."))
    return redirect("requests:detail", registration.pk, student_request.pk)


@login_required
@require_POST
def withdraw(request, pk: int, request_pk: int):
    registration, student_request = get_request_for(request, pk, request_pk)
    try:
        services.withdraw(student_request, actor=request.user)
    except services.RequestError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("requests:detail", registration.pk, student_request.pk)


def serve(attachment: Attachment, *, inline: bool = False) -> FileResponse:
    registration = attachment.request.registration
    number = registration.student.student_number or str(registration.pk)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=f"demande-{attachment.request_id}-{number}-{attachment.pk}{attachment.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def student_file(request, pk: int, attachment_pk: int):
    registration = get_registration_for(request, pk)
    queryset = Attachment.objects.select_related("request__registration__student")
    attachment = get_owned(queryset, registration, attachment_pk, via="request__registration")
    return serve(attachment)
