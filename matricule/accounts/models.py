from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Every person who signs in: students and staff alike."""

    email = models.EmailField(_("email address"), blank=True, db_index=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class ComponentMembership(models.Model):
    """A staff member's role in one component; back-office access is scoped by these rows."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Registrar agent")
        MANAGER = "manager", _("Component manager")
        AUDITOR = "auditor", _("Read-only auditor")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships",
                             verbose_name=_("user"))
    component = models.ForeignKey("institution.Component", on_delete=models.CASCADE,
                                  related_name="memberships", verbose_name=_("component"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)

    class Meta:
        verbose_name = _("component membership")
        verbose_name_plural = _("component memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "component"], name="membership_unique_user_component"),
            models.CheckConstraint(condition=models.Q(role__in=["agent", "manager", "auditor"]),
                                   name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.component} · {self.get_role_display()}"


class Throttle(models.Model):
    """A rate-limit counter for one key in one scope (see accounts.throttle)."""

    class Scope(models.TextChoices):
        ADMISSION_NUMBER = "admission_number", _("Admission login: attempts per Parcoursup number")
        ADMISSION_ADDRESS = "admission_address", _("Admission login: failures per network address")
        LINK_REQUEST = "link_request", _("Connection links sent per candidate")

    scope = models.CharField(_("scope"), max_length=32, choices=Scope.choices)
    key = models.CharField(_("key"), max_length=128)
    count = models.PositiveIntegerField(_("events in the window"), default=0)
    window_started_at = models.DateTimeField(_("window started at"))
    last_event_at = models.DateTimeField(_("last event at"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("rate limit")
        verbose_name_plural = _("rate limits")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="throttle_unique_scope_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} · {self.key}"


class LoginLink(models.Model):
    """A single-use connection link sent by email. Only the token's SHA-256 is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    candidate = models.ForeignKey("admissions.Candidate", on_delete=models.CASCADE,
                                  related_name="login_links", verbose_name=_("candidate"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("connection link")
        verbose_name_plural = _("connection links")

    def __str__(self) -> str:
        return f"{self.candidate} · {self.created_at:%Y-%m-%d %H:%M}"
