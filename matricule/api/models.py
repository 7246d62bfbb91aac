"""The outside systems that read and write through the REST API (and receive webhooks)."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matricule.modelkit import actor_key

# What a client may be granted: one read and one write scope per resource. A scope not listed
# here is refused when the client is saved.
RESOURCES = {
    "registrations": _("registrations"),
    "students": _("students"),
    "payments": _("payments and refunds"),
    "documents": _("documents"),
    "issued_documents": _("issued documents"),
    "requests": _("requests"),
    "candidates": _("admitted candidates"),
    "results": _("last year's results"),
}
SCOPES = [f"{resource}:{access}" for resource in RESOURCES for access in ("read", "write")]

TOKEN_PREFIX = "mtr_"  # noqa: S105 (a prefix that tells a leaked token apart, not a secret)


def hash_token(raw: str) -> str:
    """Tokens are 256 random bits: a plain SHA-256 is enough to keep them unusable if the
    table leaks (no dictionary to try), and lets each request find its client by one lookup."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiClient(models.Model):
    """One outside system (the ENT, the card system, the library...). Its token is shown once,
    when made; only its hash is kept."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    owner_email = models.EmailField(
        _("owner's email"), help_text=_("Told when its webhooks keep failing and are disabled.")
    )
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    all_components = models.BooleanField(
        _("all components"), default=False, help_text=_("Sees every component (a central system).")
    )
    components = models.ManyToManyField(
        "institution.Component", blank=True, related_name="+", verbose_name=_("components")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the token, to tell tokens apart in lists without keeping them.
    token_hint = models.CharField(_("token starts with"), max_length=12, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = actor_key(_("created by"))
    # The client's own account, the actor of what it writes in the audit trail (an Event's actor
    # is a user). Inactive, no password, not staff: it signs in nowhere; made with the client.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="api_client",
        verbose_name=_("service account"),
    )

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.user_id is None:
            self.user = _service_user(self.name)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "user"}
        super().save(*args, **kwargs)

    def new_token(self) -> str:
        """Draw a token, keep its hash, and return it (the only time it is seen). The caller
        saves the client."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.token_hash = hash_token(raw)
        self.token_hint = raw[:12]
        return raw

    def revoke(self) -> None:
        self.is_active = False
        self.revoked_at = timezone.now()
        self.save(update_fields=["is_active", "revoked_at"])

    def has_scope(self, resource: str, access: str) -> bool:
        return f"{resource}:{access}" in (self.scopes or [])


def _service_user(name: str):
    """A new account for a client: `api:<name>`, with a suffix when a deleted client of the same
    name left its account behind (the audit trail keeps pointing at it)."""
    users = get_user_model()
    base = f"api:{name}"[:140]
    username = base
    while users.objects.filter(username=username).exists():
        username = f"{base}:{secrets.token_hex(3)}"
    user = users(username=username, is_active=False, is_staff=False)
    user.set_unusable_password()
    user.save()
    return user
