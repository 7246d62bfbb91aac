"""Student requests (address or situation change, card reissue, fee exemption or refund), their
attachments and the registrar's decision."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from matricule.modelkit import actor_key


class Kind(models.TextChoices):
    ADDRESS_CHANGE = "address_change", _("Change of address")
    SITUATION_CHANGE = "situation_change", _("Change of situation")
    CARD_REISSUE = "card_reissue", _("New student card")
    FEE_EXEMPTION = "fee_exemption", _("Exemption from fees")
    FEE_REFUND = "fee_refund", _("Refund of fees")


class State(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("request state", "Submitted")
    IN_REVIEW = "in_review", pgettext_lazy("request state", "Being handled")
    ACCEPTED = "accepted", pgettext_lazy("request state", "Accepted")
    REFUSED = "refused", pgettext_lazy("request state", "Refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("request state", "Withdrawn")


# The keys each kind keeps in `Request.data` (what the student asked), in display order.
DATA_KEYS: dict[str, tuple[str, ...]] = {
    Kind.ADDRESS_CHANGE: ("street", "postal_code", "city", "country"),
    Kind.SITUATION_CHANGE: ("situation",),
    Kind.CARD_REISSUE: ("reason", "details"),
    Kind.FEE_EXEMPTION: ("grounds",),
    Kind.FEE_REFUND: ("reason", "amount_cents", "leaving"),
}
# Kinds that cannot be filed without a file: the declaration of loss or theft, the proof.
NEEDS_ATTACHMENT = frozenset({Kind.CARD_REISSUE, Kind.FEE_EXEMPTION})
OPEN_STATES = (State.SUBMITTED, State.IN_REVIEW)
DECIDED_STATES = (State.ACCEPTED, State.REFUSED)


class CardReason(models.TextChoices):
    LOST = "lost", _("Lost")
    STOLEN = "stolen", _("Stolen")
    DAMAGED = "damaged", _("Damaged")


class Request(models.Model):
    """One request of a student about one year's registration."""

    student = models.ForeignKey(
        "registration.Student", on_delete=models.PROTECT, related_name="requests", verbose_name=_("student")
    )
    registration = models.ForeignKey(
        "registration.Registration",
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("registration"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.SUBMITTED)
    # What the student asked, as validated by the form of the kind (see DATA_KEYS).
    data = models.JSONField(_("request"), default=dict, blank=True)
    assigned_to = actor_key(_("handled by"))
    assigned_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    decided_by = actor_key(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    message = models.TextField(_("message to the student"), blank=True)
    # What the acceptance did, when it did something measurable (e.g. the amount refunded).
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("student request")
        verbose_name_plural = _("student requests")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="request_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=State.values), name="request_state_valid"),
            # A request being handled is handled by somebody.
            models.CheckConstraint(
                condition=~Q(state=State.IN_REVIEW) | Q(assigned_to__isnull=False),
                name="request_in_review_assigned",
            ),
            # Decided means a date; undecided means none.
            models.CheckConstraint(
                condition=(
                    Q(state__in=DECIDED_STATES, decided_at__isnull=False)
                    | (~Q(state__in=DECIDED_STATES) & Q(decided_at__isnull=True))
                ),
                name="request_decided_at_iff_decided",
            ),
            # A refusal always says why.
            models.CheckConstraint(
                condition=~Q(state=State.REFUSED) | ~Q(message=""), name="request_refusal_has_message"
            ),
            # One open request of a kind per registration (a double click files one).
            models.UniqueConstraint(
                fields=["registration", "kind"],
                condition=Q(state__in=OPEN_STATES),
                name="request_one_open_per_kind",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="request_state_created")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} · {self.registration_id} · {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_decided(self) -> bool:
        return self.state in DECIDED_STATES

    def details(self) -> list[tuple[str, str]]:
        """What the student asked, as (label, value) lines for pages and emails."""
        from matricule import countries
        from matricule.institution.templatetags.matricule_format import euros

        labels = {
            "street": _("Address"),
            "postal_code": _("Postal code"),
            "city": _("Town"),
            "country": _("Country"),
            "situation": _("New situation"),
            "reason": _("Reason"),
            "details": _("Details"),
            "grounds": _("Grounds"),
            "amount_cents": _("Amount asked"),
            "leaving": _("Leaving the programme"),
        }
        lines = []
        for key in DATA_KEYS.get(self.kind, ()):
            value = self.data.get(key)
            if value in (None, ""):
                continue
            if key == "amount_cents":
                value = euros(value)
            elif key == "country":
                value = countries.name(value)
            elif key == "leaving":
                value = _("yes: the registration is cancelled once everything is refunded")
            elif self.kind == Kind.CARD_REISSUE and key == "reason":
                value = CardReason(value).label if value in CardReason.values else value
            lines.append((str(labels[key]), str(value)))
        return lines


def attachment_path(instance, filename) -> str:
    # Server-made names only: nothing the student chose reaches the file system.
    return f"requests/{instance.request.registration_id}/{uuid.uuid4().hex}{instance.extension}"


class Attachment(models.Model):
    """A file sent with a request, checked by its content like a supporting document."""

    request = models.ForeignKey(
        Request, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("request")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    extension = models.CharField(max_length=5)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("request attachment")
        verbose_name_plural = _("request attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} · {self.uploaded_at:%Y-%m-%d %H:%M}"
