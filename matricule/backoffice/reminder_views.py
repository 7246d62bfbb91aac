"""Reminders from the registrations list: the confirmation page (who, how many, the email) and
the POST that hands the sending to the task queue (reminders.py says who is reminded)."""

from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
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
    data = request.POST if request.method == "POST" else request.GET
    form, filters = registration_list.parse(data, request.user)
    if filters is None:
        return render(
            request, "backoffice/reminder_confirm.html", {"form": form, "filters": None}, status=400
        )
    list_url = (
        f"{reverse('backoffice:registrations')}?{urlencode({**filters.params(), 'sort': filters.sort})}"
    )
    # Auditors may see that the page exists (the list is theirs to read) but not who would be
    # emailed: that is for those who act. Their POST is refused by staff_required(write=True).
    allowed = can_act(request.user)
    plan = reminders.plan(filters, request.user) if allowed else None
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
    if plan is not None and plan.first is not None:
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
            "allowed": allowed,
            "preview": preview,
            "list_url": list_url,
            "progress_label": dict(registration_list.PROGRESS_CHOICES).get(
                filters.progress, _("Every registration")
            ),
        },
    )
