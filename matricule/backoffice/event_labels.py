"""What the audit trail's codes mean to a person: a translated label per action, a one-line
summary from the event's data (amounts in euros, documents and requests by their names), the
families the audit log filters on, and links from an event to the student's file.

The codes are recorded by every app (`audit.services.record`); the back office, above them all,
is where they are read. A code missing here shows as itself: tests/backoffice/test_event_labels.py
fails on any code recorded in the source without a label."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matricule.certificates.models import IssuedDocument
from matricule.documents.models import DocumentType, Submission
from matricule.institution import reference
from matricule.institution.templatetags.matricule_format import euros
from matricule.payments.models import Payment
from matricule.registration.models import Registration
from matricule.requests.models import Kind as RequestKind
from matricule.requests.models import Request

# The families of the audit log's filter, by the start of their codes.
FAMILIES = [
    ("registration.", gettext_lazy("Registrations")),
    ("payments.", gettext_lazy("Payments")),
    ("documents.", gettext_lazy("Documents")),
    ("certificates.", gettext_lazy("Issued documents")),
    ("requests.", gettext_lazy("Student requests")),
    ("accounts.", gettext_lazy("Sign-in and accounts")),
    ("admissions.", gettext_lazy("Admissions and imports")),
    ("backoffice.export.", gettext_lazy("Exports")),
    ("backoffice.cash_journal.", gettext_lazy("Cash journal")),
    ("backoffice.reminder.", gettext_lazy("Reminders")),
    ("notifications.", gettext_lazy("Emails")),
    ("institution.", gettext_lazy("University settings")),
    ("waitingroom.", gettext_lazy("Waiting room")),
    ("api.", gettext_lazy("API clients")),
    ("webhooks.", gettext_lazy("Webhooks")),
    ("directory.", gettext_lazy("Directory (ENT accounts)")),
    ("audit.", gettext_lazy("Audit log")),
    ("privacy.", gettext_lazy("Personal data")),
]

LABELS = {
    # Registrations
    "registration.started": gettext_lazy("Registration started"),
    "registration.draft": gettext_lazy("Registration reopened for correction"),
    "registration.submitted": gettext_lazy("Registration form submitted"),
    "registration.awaiting_payment": gettext_lazy("Registration awaiting payment"),
    "registration.paid": gettext_lazy("Registration paid"),
    "registration.exempt": gettext_lazy("Registration exempt from fees"),
    "registration.registered": gettext_lazy("Registration confirmed"),
    "registration.cancelled": gettext_lazy("Registration cancelled"),
    "registration.cancel_reason": gettext_lazy("Reason for the cancellation"),
    "registration.unchanged_confirmed": gettext_lazy("Unchanged details confirmed"),
    "registration.additional_started": gettext_lazy("Additional registration started"),
    "registration.reregistration_started": gettext_lazy("Re-registration started"),
    "registration.desk_opened": gettext_lazy("Registration opened at the desk"),
    "registration.desk_step_saved": gettext_lazy("Step saved at the desk"),
    "registration.desk_submitted": gettext_lazy("Registration submitted at the desk"),
    "registration.desk_paid": gettext_lazy("Payment taken at the desk"),
    "registration.desk_exempted": gettext_lazy("Fees waived at the desk"),
    "registration.refunded_by_staff": gettext_lazy("Refund made by staff"),
    "registration.identity_corrected": gettext_lazy("Civil identity corrected"),
    "registration.reopen_reason": gettext_lazy("Form given back for a correction"),
    "registration.activation_link_resent": gettext_lazy("Activation link sent again by staff"),
    # Payments
    "payments.instalment_overdue": gettext_lazy("Instalment overdue, student emailed"),
    "payments.started": gettext_lazy("Card payment started"),
    "payments.instalment.started": gettext_lazy("Instalment started"),
    "payments.confirmed": gettext_lazy("Payment confirmed"),
    "payments.anomaly": gettext_lazy("Payment held for checking"),
    "payments.failed": gettext_lazy("Payment refused"),
    "payments.cancelled": gettext_lazy("Payment cancelled"),
    "payments.manual": gettext_lazy("Payment recorded by hand"),
    "payments.refunded": gettext_lazy("Refund recorded"),
    "payments.notification.refused": gettext_lazy("Payment notification refused"),
    # Documents
    "documents.uploaded": gettext_lazy("Document uploaded"),
    "documents.upload_refused": gettext_lazy("Upload refused"),
    "documents.validated": gettext_lazy("Document validated"),
    "documents.refused": gettext_lazy("Document refused"),
    "documents.complete": gettext_lazy("Documents complete"),
    "documents.carried_over": gettext_lazy("Document carried over from an earlier year"),
    "documents.file_opened": gettext_lazy("Document opened by staff"),
    # Issued documents
    "certificates.summary.issued": gettext_lazy("Registration summary issued"),
    "certificates.receipt.issued": gettext_lazy("Payment receipt issued"),
    "certificates.certificate.issued": gettext_lazy("Enrolment certificate issued"),
    "certificates.revoked": gettext_lazy("Issued document revoked"),
    # Requests
    "requests.filed": gettext_lazy("Request filed"),
    "requests.attachment_added": gettext_lazy("Attachment added to a request"),
    "requests.withdrawn": gettext_lazy("Request withdrawn"),
    "requests.assigned": gettext_lazy("Request taken over"),
    "requests.accepted": gettext_lazy("Request accepted"),
    "requests.refused": gettext_lazy("Request refused"),
    "requests.refund_incomplete": gettext_lazy("Refund incomplete"),
    "requests.attachment_opened": gettext_lazy("Request attachment opened by staff"),
    # Sign-in and accounts
    "accounts.account.activated": gettext_lazy("Account activated"),
    "accounts.account.activation_link_requested": gettext_lazy("Activation link sent"),
    "accounts.account.reset_link_requested": gettext_lazy("Password reset link sent"),
    "accounts.account.password_reset": gettext_lazy("Password reset"),
    "accounts.account.link_limited": gettext_lazy("Too many links asked"),
    "accounts.sign_in_failures_notified": gettext_lazy("Sign-in failures reported to the person"),
    "accounts.throttle.lifted": gettext_lazy("Sign-in limit lifted"),
    "accounts.admission_login.link_requested": gettext_lazy("Connection link sent (admission)"),
    "accounts.admission_login.link_used": gettext_lazy("Connection link used"),
    "accounts.admission_login.account_activated": gettext_lazy("Account created at the first connection"),
    "accounts.admission_login.link_limited": gettext_lazy("Too many connection links asked"),
    "accounts.admission_login.failed": gettext_lazy("Admission sign-in failed"),
    "accounts.student_link_used": gettext_lazy("Student connection link used"),
    "accounts.student_login.link_requested": gettext_lazy("Connection link sent (student number)"),
    "accounts.student_login.account_activated": gettext_lazy("Account created (student number)"),
    "accounts.student_login.failed": gettext_lazy("Sign-in by student number failed"),
    "accounts.password_login.password_ok": gettext_lazy("Password accepted, second factor asked"),
    "accounts.password_login.succeeded": gettext_lazy("Signed in with a password"),
    "accounts.password_login.failed": gettext_lazy("Password sign-in failed"),
    "accounts.password_reset.no_link": gettext_lazy("Reset asked for an unknown account"),
    "accounts.staff_login": gettext_lazy("Staff sign-in"),
    "accounts.staff_login_failed": gettext_lazy("Staff sign-in failed"),
    "accounts.staff_2fa_enrolment_opened": gettext_lazy("Authenticator set-up opened"),
    "accounts.staff_2fa_enrolled": gettext_lazy("Authenticator set up"),
    "accounts.staff_2fa_enrolment_refused": gettext_lazy("Authenticator set-up refused (period over)"),
    "accounts.staff_2fa_reset": gettext_lazy("Staff authenticator reset"),
    "accounts.totp.failed": gettext_lazy("Wrong second-factor code"),
    "accounts.totp.enabled": gettext_lazy("Second factor turned on"),
    "accounts.totp.disabled": gettext_lazy("Second factor turned off"),
    "accounts.totp.disabled_by_staff": gettext_lazy("Second factor turned off by staff"),
    "accounts.totp.login": gettext_lazy("Signed in with the second factor"),
    "accounts.student_cas_login": gettext_lazy("Signed in through the ENT (CAS)"),
    "accounts.student_cas_login_failed": gettext_lazy("ENT (CAS) sign-in refused"),
    # Admissions and imports
    "admissions.candidate.changed": gettext_lazy("Admitted candidate corrected"),
    "admissions.result.deleted": gettext_lazy("Result deleted"),
    "admissions.import.queued": gettext_lazy("Import queued"),
    "admissions.import.resumed": gettext_lazy("Import resumed"),
    "admissions.import.finished": gettext_lazy("Admitted candidates imported"),
    "admissions.results_import.finished": gettext_lazy("Results imported"),
    # Exports, emails, settings, waiting room, the audit log itself
    "backoffice.export.streamed": gettext_lazy("Export downloaded at once"),
    "backoffice.export.queued": gettext_lazy("Export queued"),
    "backoffice.export.prepared": gettext_lazy("Export prepared"),
    "backoffice.export.downloaded": gettext_lazy("Export downloaded"),
    "backoffice.export.purged": gettext_lazy("Old exports deleted"),
    "backoffice.cash_journal.closed": gettext_lazy("Desk's cash journal closed"),
    "backoffice.cash_journal.exported": gettext_lazy("Desk's cash journal downloaded"),
    "backoffice.student_file.viewed": gettext_lazy("Student's file read by staff"),
    "backoffice.reminder.sent": gettext_lazy("Reminder emailed"),
    "notifications.email.resent": gettext_lazy("Email sent again"),
    "waitingroom.gate.created": gettext_lazy("Waiting room created"),
    "waitingroom.gate.changed": gettext_lazy("Waiting room changed"),
    "waitingroom.gate.reset": gettext_lazy("Waiting room emptied"),
    "audit.purged": gettext_lazy("Old audit events deleted"),
    "privacy.retention.applied": gettext_lazy("Retention schedule applied"),
    "privacy.data_export.requested": gettext_lazy("Personal data download requested"),
    "privacy.data_export.prepared": gettext_lazy("Personal data download prepared"),
    "privacy.data_export.failed": gettext_lazy("Personal data download failed"),
    "privacy.data_export.downloaded": gettext_lazy("Personal data downloaded"),
    "privacy.data_export.purged": gettext_lazy("Expired personal data downloads deleted"),
    # The information system: API clients, webhooks, the directory
    "api.client_created": gettext_lazy("API client created"),
    "api.client_changed": gettext_lazy("API client changed"),
    "api.client_revoked": gettext_lazy("API client's token revoked"),
    "api.client_token_replaced": gettext_lazy("API client given a new token"),
    "api.document_decided": gettext_lazy("Document decided through the API"),
    "api.candidates_imported": gettext_lazy("Admitted candidates imported through the API"),
    "api.results_imported": gettext_lazy("Results imported through the API"),
    "webhooks.subscription.created": gettext_lazy("Webhook subscription created"),
    "webhooks.subscription.changed": gettext_lazy("Webhook subscription changed"),
    "webhooks.subscription.disabled": gettext_lazy("Webhook subscription disabled"),
    "webhooks.subscription.enabled": gettext_lazy("Webhook subscription enabled again"),
    "webhooks.delivery.replayed": gettext_lazy("Webhook delivery replayed"),
    "directory.account.created": gettext_lazy("ENT account created in the directory"),
    "directory.account.synced": gettext_lazy("ENT account updated in the directory"),
    "directory.account.sync_failed": gettext_lazy("Directory synchronisation failed"),
    "directory.account.password_set": gettext_lazy("ENT password set in the directory"),
}


# The gateways as their banks name them (the codes are the settings' values).
GATEWAY_NAMES = {
    "paybox": "Paybox",
    "payfip": "PayFiP",
    "systempay": "Systempay",
    "simulator": gettext_lazy("payment simulator"),
}


def _gateway(data) -> str:
    code = data["gateway"]
    return str(GATEWAY_NAMES.get(code, code))


def _amount(data, key="amount_cents") -> str:
    # A missing or odd amount raises, and the event is shown by its label (see summary).
    return euros(int(data[key]))


def _document(data) -> str:
    """A document type's name from its code (the types, a few dozen rows, kept per process)."""
    code = data["document"]
    types = reference.memo(("document-types",), lambda: {t.code: t for t in DocumentType.objects.all()}, 300)
    found = types.get(code)
    return str(found.name) if found is not None else code


def _choice(choices, value) -> str:
    """The translated label of a stored choice, or the value itself when it is not one."""
    if not value:
        raise KeyError(value)
    return str(dict(choices.choices).get(value, value))


# What a reminder said was missing (backoffice.reminders.missing_for's codes).
_REMINDED_OF = {
    "not_started": gettext_lazy("registration not started"),
    "form": gettext_lazy("form not finished"),
    "payment": gettext_lazy("fees not paid"),
    "documents": gettext_lazy("documents missing or refused"),
}


def _reminder(data) -> str:
    missing = ", ".join(str(_REMINDED_OF.get(code, code)) for code in data["missing"])
    if data.get("kind") == "automatic":
        return _("Automatic reminder emailed: %(missing)s") % {"missing": missing}
    return _("Reminder emailed: %(missing)s") % {"missing": missing}


SUMMARIES: dict[str, Callable[[dict], str]] = {
    "payments.started": lambda d: (
        _("Payment of %(amount)s started (%(gateway)s)") % {"amount": _amount(d), "gateway": _gateway(d)}
    ),
    "payments.confirmed": lambda d: (
        _("Payment of %(amount)s confirmed (%(gateway)s)") % {"amount": _amount(d), "gateway": _gateway(d)}
        if d.get("gateway")
        else _("Payment of %(amount)s confirmed") % {"amount": _amount(d)}
    ),
    "payments.anomaly": lambda d: (
        _("Payment held for checking: %(anomaly)s (%(amount)s paid)")
        % {"anomaly": _choice(Payment.Anomaly, d.get("anomaly")), "amount": _amount(d, "paid")}
    ),
    "payments.manual": lambda d: _("Payment of %(amount)s recorded by hand") % {"amount": _amount(d)},
    "payments.refunded": lambda d: (
        (
            _("Refund of %(amount)s through the gateway")
            if d.get("through_gateway")
            else _("Refund of %(amount)s made by hand")
        )
        % {"amount": _amount(d)}
    ),
    "registration.desk_paid": lambda d: (
        _("Payment of %(amount)s taken at the desk (%(method)s)")
        % {"amount": _amount(d), "method": d["method"]}
    ),
    "registration.desk_exempted": lambda d: (
        _("%(amount)s waived at the desk: %(reason)s")
        % {"amount": _amount(d, "waived_cents"), "reason": d["reason"]}
    ),
    "registration.desk_submitted": lambda d: (
        _("Registration submitted at the desk, fees %(amount)s") % {"amount": _amount(d, "fee_total_cents")}
    ),
    "registration.cancel_reason": lambda d: _("Cancelled: %(reason)s") % {"reason": d["reason"]},
    "registration.reopen_reason": lambda d: (
        _("Form given back for a correction: %(reason)s") % {"reason": d["reason"]}
    ),
    "registration.refunded_by_staff": lambda d: (
        _("Refund of %(amount)s: %(reason)s") % {"amount": _amount(d), "reason": d["reason"]}
    ),
    "documents.validated": lambda d: _("Document “%(document)s” validated") % {"document": _document(d)},
    "documents.refused": lambda d: (
        _("Document “%(document)s” refused: %(reason)s")
        % {"document": _document(d), "reason": d.get("comment") or d["reason"]}
        if d.get("comment") or d.get("reason")
        else _("Document “%(document)s” refused") % {"document": _document(d)}
    ),
    "certificates.revoked": lambda d: _("Issued document revoked: %(reason)s") % {"reason": d["reason"]},
    "requests.filed": lambda d: _("Request filed: %(kind)s") % {"kind": _choice(RequestKind, d.get("kind"))},
    "requests.accepted": lambda d: (
        _("Request accepted: %(kind)s") % {"kind": _choice(RequestKind, d.get("kind"))}
    ),
    "requests.refused": lambda d: (
        _("Request refused: %(kind)s") % {"kind": _choice(RequestKind, d.get("kind"))}
    ),
    "requests.refund_incomplete": lambda d: (
        _("Refund incomplete: %(amount)s left to refund") % {"amount": _amount(d, "left_cents")}
    ),
    "backoffice.export.streamed": lambda d: (
        _("Export of %(rows)s rows downloaded at once") % {"rows": d["rows"]}
    ),
    "payments.instalment_overdue": lambda d: (
        _("Instalment %(number)s of %(amount)s not paid since %(due)s: student emailed")
        % {"number": d["instalment"], "amount": _amount(d), "due": d["due_on"]}
    ),
    "backoffice.export.downloaded": lambda d: _("Export of %(rows)s rows downloaded") % {"rows": d["rows"]},
    "backoffice.cash_journal.closed": lambda d: (
        _("Cash journal of %(day)s closed: %(total)s taken")
        % {"day": d["day"], "total": _amount(d, "total_cents")}
    ),
    "backoffice.reminder.sent": _reminder,
    "privacy.retention.applied": lambda d: (
        _("Retention schedule applied: %(count)s items removed") % {"count": sum(d["counts"].values())}
    ),
}
for _kind, _kind_label in IssuedDocument.Kind.choices:
    SUMMARIES[f"certificates.{_kind}.issued"] = lambda d, label=_kind_label: (
        _("%(document)s issued (%(serial)s)")
        % {
            "document": label,
            "serial": d["serial"],
        }
    )


def label(action: str) -> str:
    if action in LABELS:
        return str(LABELS[action])
    if action.startswith("institution."):
        # institution.<model>.<created|changed>: any configuration model of the admin.
        return _("University settings changed (%(what)s)") % {"what": action.split(".")[1]}
    return action


def summary(action: str, data) -> str:
    """One line saying what happened, from the event's data; the label when there is nothing
    more to say. Never fails on an event recorded by an older version with other data."""
    describe = SUMMARIES.get(action)
    if describe is not None and isinstance(data, dict):
        try:
            return describe(data)
        except (KeyError, TypeError, ValueError):
            pass
    return label(action)


def action_choices() -> list:
    """The filter's choices: each family, then its events, grouped."""
    groups = [("", _("Every kind of event"))]
    for prefix, family in FAMILIES:
        codes = sorted(
            (code for code in LABELS if code.startswith(prefix)), key=lambda code: str(LABELS[code])
        )
        options = [(prefix, _("All: %(family)s") % {"family": family})]
        options += [(code, str(LABELS[code])) for code in codes]
        groups.append((str(family), options))
    return groups


@dataclass
class Link:
    url: str
    text: str


# Objects reached through a registration lead to the student's file.
_THROUGH_REGISTRATION = {
    "registration.registration": (Registration, "student_id"),
    "payments.payment": (Payment, "registration__student_id"),
    "documents.submission": (Submission, "registration__student_id"),
    "requests.request": (Request, "student_id"),
}


def attach_links(events) -> None:
    """Give each event whose object belongs to a student a `link` to the student's file: one
    query per kind of object on the page, whatever its length. The file checks access itself."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        event.link = None
        if event.object_type in _THROUGH_REGISTRATION and event.object_id.isdigit():
            wanted.setdefault(event.object_type, set()).add(int(event.object_id))
        elif event.object_type == "registration.student" and event.object_id.isdigit():
            event.link = Link(reverse("backoffice:student", args=[int(event.object_id)]), _("Student's file"))
    students: dict[tuple[str, int], int] = {}
    for object_type, ids in wanted.items():
        model, path = _THROUGH_REGISTRATION[object_type]
        for pk, student_id in model.objects.filter(pk__in=ids).values_list("pk", path):
            students[(object_type, pk)] = student_id
    for event in events:
        if event.object_type in _THROUGH_REGISTRATION and event.object_id.isdigit():
            student_id = students.get((event.object_type, int(event.object_id)))
            if student_id:
                event.link = Link(reverse("backoffice:student", args=[student_id]), _("Student's file"))
