import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from matricule.modelkit import FoldedNames, optional_key


class User(AbstractUser):
    """Every person who signs in: students and staff alike."""

    email = models.EmailField(_("email address"), blank=True, db_index=True)
    # Changed when the account's second factor is reset: like a new password, it ends the
    # sessions signed in before (it is part of the session hash Django checks on each request).
    security_stamp = models.CharField(_("security stamp"), max_length=32, blank=True, editable=False)
    # The names as the back office's search compares them (registration's Student has the same).
    search_name = models.GeneratedField(
        expression=FoldedNames("last_name", "first_name"),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("names as searched"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def _get_session_auth_hash(self, secret=None):
        # Django's hash of the password, with the stamp appended (empty: the same hash as Django's,
        # so that no session ends when this field appears).
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(
            key_salt, self.password + self.security_stamp, secret=secret, algorithm="sha256"
        ).hexdigest()

    def end_other_sessions(self) -> None:
        """Every session of this account ends at its next request."""
        self.security_stamp = secrets.token_hex(16)
        type(self).objects.filter(pk=self.pk).update(security_stamp=self.security_stamp)
        from .sessionuser import forget  # an update() sends no signal

        forget(self.pk)


class ComponentMembership(models.Model):
    """A staff member's role in one component; back-office access is scoped by these rows."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Registrar agent")
        MANAGER = "manager", _("Component manager")
        AUDITOR = "auditor", _("Read-only auditor")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    component = models.ForeignKey(
        "institution.Component",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("component"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)

    class Meta:
        verbose_name = _("component membership")
        verbose_name_plural = _("component memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "component"], name="membership_unique_user_component"),
            models.CheckConstraint(
                condition=models.Q(role__in=["agent", "manager", "auditor"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.component} · {self.get_role_display()}"


class Throttle(models.Model):
    """A rate-limit counter for one key in one scope (see accounts.throttle): a lock, or a
    progressive delay (then `locked_until` is when the delay ends and `window_started_at` the
    time from which its failures are forgotten)."""

    class Scope(models.TextChoices):
        ADMISSION_NUMBER = "admission_number", _("Admission login: attempts per Parcoursup number")
        ADMISSION_ADDRESS = "admission_address", _("Admission login: failures per network address")
        LINK_REQUEST = "link_request", _("Connection links sent per candidate")
        PASSWORD_IDENTIFIER = "password_identifier", _("Password login: failures per student number or email")
        PASSWORD_ADDRESS = "password_address", _("Password login: failures per network address")
        TOTP_USER = "totp_user", _("Two-step login: wrong codes per account")
        ACCOUNT_LINK = "account_link", _("Activation and password emails per account")
        RESET_ADDRESS = "reset_address", _("Password reset requests per network address")
        STAFF_USERNAME = "staff_username", _("Staff sign-in: failures per username")
        STAFF_ADDRESS = "staff_address", _("Staff sign-in: failures per network address")
        # Progressive delays (accounts.throttle.Backoff, numbers in accounts.limits).
        PASSWORD_PAIR = (
            "password_pair",
            _("Password login: failures per student number or email and network address"),
        )
        STAFF_PAIR = "staff_pair", _("Staff sign-in: failures per username and network address")
        DEVICE = "device", _("Sign-in: failures on a device that signed in before")
        LOGIN_NUMBER = "login_number", _("Connection link: attempts per number (delay)")
        LOGIN_PAIR = "login_pair", _("Connection link: failures per number and network address (delay)")
        LOGIN_ADDRESS = "login_address", _("Connection link: failures per network address (delay)")
        SIGN_IN_NOTICE = "sign_in_notice", _("Sign-in: emails about repeated failures per account")

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
    # A new student's link opens their admission; a continuing student's opens their account.
    candidate = optional_key(
        "admissions.Candidate",
        on_delete=models.CASCADE,
        related_name="login_links",
        verbose_name=_("candidate"),
    )
    user = optional_key(User, on_delete=models.CASCADE, related_name="login_links", verbose_name=_("user"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("connection link")
        verbose_name_plural = _("connection links")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(candidate__isnull=False, user__isnull=True)
                | models.Q(candidate__isnull=True, user__isnull=False),
                name="login_link_for_candidate_or_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate or self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class ActivationToken(models.Model):
    """A single-use link to set a password (activation or reset). Only the token's SHA-256 is stored."""

    class Purpose(models.TextChoices):
        ACTIVATE = "activate", _("Account activation")
        RESET = "reset", _("Password reset")

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="activation_tokens", verbose_name=_("user")
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    # The address the link was sent to: opening the link proves this mailbox.
    email = models.EmailField(_("sent to"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account link")
        verbose_name_plural = _("account links")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=["activate", "reset"]), name="activationtoken_purpose_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_purpose_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class AccountSecurity(models.Model):
    """A student account's activation and confirmed email; a staff member's set-up window for an
    authenticator app (the app itself: a django-otp TOTPDevice, see accounts.totp)."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="security", verbose_name=_("user")
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    email_confirmed = models.EmailField(_("confirmed email address"), blank=True)
    email_confirmed_at = models.DateTimeField(_("email confirmed at"), null=True, blank=True)
    # Staff: until when an authenticator app may be set up with the password alone (opened when
    # the person is given a role or their app is reset; closed once it is set up).
    enrolment_open_until = models.DateTimeField(_("authenticator set-up open until"), null=True, blank=True)

    class Meta:
        verbose_name = _("account security")
        verbose_name_plural = _("account security")

    def __str__(self) -> str:
        return str(self.user)
