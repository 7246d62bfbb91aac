"""The student's side: what to upload, each document's status, upload and replace."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from matricule.bodylimit import FORM_MARGIN, accepts_body
from matricule.htmx import as_if_at, is_htmx, redirect_for_htmx, whole_page
from matricule.registration.access import get_owned, get_registration_for

from . import services
from .forms import UploadForm
from .models import Submission, Version


@never_cache
@login_required
def documents(request, pk: int):
    return _documents_page(request, get_registration_for(request, pk))


def _documents_page(request, registration):
    main = services.main_registration_of(registration)
    if main is not None:  # an additional registration shares the main one's documents
        return redirect("documents:list", main.pk)
    submissions = list(
        registration.submissions.select_related("document_type", "reason").prefetch_related("versions")
    )
    return render(
        request,
        "documents/student.html",
        {
            "registration": registration,
            "submissions": submissions,
            "form": UploadForm(),
            "complete": services.documents_complete(registration, submissions),  # no second read
        },
    )


@accepts_body(lambda: settings.MATRICULE_UPLOAD_MAX_BYTES + FORM_MARGIN)
@login_required
@require_POST
def upload(request, pk: int, submission_pk: int):
    registration = get_registration_for(request, pk)
    submission = get_owned(Submission.objects.select_related("document_type"), registration, submission_pk)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.upload(submission, form.cleaned_data["file"], actor=request.user)
        except ValidationError as error:
            messages.error(
                request,
                _("%(document)s: %(error)s")
                % {"document": submission.document_type.name, "error": " ".join(error.messages)},
            )
        except services.UploadLimited as limited:
            messages.error(request, limit_message(limited, submission.document_type.name))
        except services.DocumentError:
            messages.error(request, _("This document is already validated."))
        else:
            messages.success(
                request,
                _("%(document)s: received, waiting for review.")
                % {"document": submission.document_type.name},
            )
    else:
        messages.error(
            request, _("%(document)s: choose a file to upload.") % {"document": submission.document_type.name}
        )
    if is_htmx(request):
        # Sent by htmx (the form with JavaScript): the documents page at once, with the message,
        # as its GET would draw it; one round trip instead of a redirect and a GET.
        url = reverse("documents:list", args=[registration.pk])
        return whole_page(redirect_for_htmx(_documents_page(as_if_at(request, url), registration)))
    return redirect("documents:list", registration.pk)


def limit_message(limited, document: str) -> str:
    if limited.code == "versions":
        return _(
            "%(document)s: this document has been sent %(count)s times already. Contact your "
            "registrar's office before sending it again."
        ) % {"document": document, "count": limited.params["count"]}
    return _("%(document)s: too many files sent in the last hour. Try again in %(minutes)s minutes.") % {
        "document": document,
        "minutes": limited.params["minutes"],
    }


def serve(version: Version, *, download_name: str, inline: bool = False) -> FileResponse:
    response = FileResponse(
        version.file.open("rb"),
        content_type=version.content_type,
        as_attachment=not inline,
        filename=download_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def download_name(version: Version) -> str:
    registration = version.submission.registration
    number = registration.student.student_number or str(registration.pk)
    return f"{version.submission.document_type.code}-{number}{version.extension}"


@login_required
def student_file(request, pk: int, version_pk: int):
    registration = get_registration_for(request, pk)
    queryset = Version.objects.select_related(
        "submission__document_type", "submission__registration__student"
    )
    version = get_owned(queryset, registration, version_pk, via="submission__registration")
    return serve(version, download_name=download_name(version))
