"""Reminders from the registrations list: the confirmation page (who, how many, the email) and
the POST that hands the sending to the task queue (reminders.py says who is reminded)."""

from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from matricule.accounts.staff import can_act, staff_required

from . import registration_list, reminders, tasks


@never_cache
@staff_required(write=True)
def remind(request):
    # Like every page that acts, refused to readers (auditors) from the GET on: the page would
    # only show them a button they may not press.
    if not can_act(request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    form, filters = registration_list.parse(data, request.user)
    if filters is None:
        return render(
            request, "backoffice/reminder_confirm.html", {"form": form, "filters": None}, status=400
        )
    list_url = (
        f"{reverse('backoffice:registrations')}?{urlencode({**filters.params(), 'sort': filters.sort})}"
    )
    plan = reminders.plan(filters, request.user)
    if request.method == "POST":
        if plan.to_send:
            enqueue = partial(
                tasks.send_reminders.enqueue, plan.registration_ids, plan.candidate_ids, request.user.pk
            )
            transaction.on_commit(enqueue)
        messages.success(
            request,
            ngettext(
                "%(count)s reminder is being sent; each person's file will show it.",
                "%(count)s reminders are being sent; each person's file will show them.",
                plan.to_send,
            )
            % {"count": plan.to_send},
        )
        return redirect(list_url)
    preview = None
    if plan.first is not None:
        if plan.candidate_ids:
            preview = reminders.preview(candidate=plan.first)
        else:
            preview = reminders.preview(registration=plan.first)
    return render(
        request,
        "backoffice/reminder_confirm.html",
        {
            "form": form,
            "filters": filters,
            "plan": plan,
            "preview": preview,
            "list_url": list_url,
            "progress_label": dict(registration_list.PROGRESS_CHOICES).get(
                filters.progress, _("Every registration")
            ),
        },
    )
