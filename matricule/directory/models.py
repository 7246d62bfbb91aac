"""One row per student with an ENT account to keep in the university's directory: which entry
is theirs and where its synchronisation stands (what the student's file in the back office shows)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from matricule.modelkit import Timestamped


class DirectoryAccount(Timestamped):
    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be synchronised")
        SYNCED = "synced", _("synchronised")
        FAILED = "failed", _("synchronisation failed")

    student = models.OneToOneField(
        "registration.Student",
        on_delete=models.CASCADE,
        related_name="directory_account",
        verbose_name=_("student"),
    )
    # Empty until the entry is first found or made; then kept, whatever the uid scheme becomes.
    uid = models.CharField(_("directory login (uid)"), max_length=64, unique=True, null=True, blank=True)
    dn = models.CharField(_("directory entry (DN)"), max_length=255, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    # Raised by every request for a synchronisation: a run marks the row synchronised only if no
    # request came in while it was working (else what it wrote may already be out of date).
    generation = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_synced_at = models.DateTimeField(_("last synchronised at"), null=True, blank=True)
    password_set_at = models.DateTimeField(_("directory password set at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ENT account")
        verbose_name_plural = _("ENT accounts")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="directory_due")]

    def __str__(self) -> str:
        return self.uid or f"student {self.student_id}"

    @property
    def exists_in_directory(self) -> bool:
        return bool(self.dn)
