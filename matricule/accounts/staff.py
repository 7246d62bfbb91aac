"""Who works in the back office, for which components, and what they may do there.

One place for the rules every back-office view applies: anonymous visitors are sent to the
staff sign-in, signed-in people who are not staff get a 404 (no hint that the page exists),
staff who have not passed the second factor are sent to it, read-only auditors may look but not
act, and an agent only ever sees the components they belong to.

Roles (`ComponentMembership.Role`, one per person and component):

- agent: works the component's files (reviews documents, registers at the desk, decides
  requests);
- manager: everything an agent does, and manages who works for the component (`can_manage`);
- auditor: reads everything of the component, changes nothing;
- administrator (a superuser, no membership needed): everything, in every component.

Signing in (see `staff_views`): a password then a code from an authenticator app (TOTP, enrolled
at the first sign-in), or the university's CAS single sign-on, which counts as both factors
because the university's SSO applies its own multi-factor policy. Either way the session is then
marked verified (`mark_verified`); `MATRICULE_STAFF_REQUIRE_2FA = False` turns the requirement
off (tests that sign staff in with `force_login`, a demo without an authenticator app).
"""

import datetime
import re
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from matricule.audit.services import record

from . import activation, limits, totp
from .models import AccountSecurity, ComponentMembership

Role = ComponentMembership.Role
# Roles that may change things (review documents, register at the desk, decide requests).
WRITE_ROLES = (Role.AGENT, Role.MANAGER)
# Roles that may also say who works for their component.
MANAGE_ROLES = (Role.MANAGER,)
STAFF_LOGIN_PATH = "/gestion/connexion/"
# Methods that only read: auditors may use them on every back-office view of their components.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
VERIFIED_KEY = "staff_verified"


# --- Roles and scope -----------------------------------------------------------------------------


def is_administrator(user) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def _memberships(user) -> list[tuple[int, str]]:
    # Cached on the user object: a page asks several times per request.
    cached = getattr(user, "_matricule_memberships", None)
    if cached is None:
        cached = list(user.memberships.values_list("component_id", "role"))
        user._matricule_memberships = cached
    return cached


def is_staff_member(user) -> bool:
    """An administrator, or someone with a role in at least one component."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or _memberships(user)))


def role_in(user, component_id: int) -> str | None:
    """The user's role in the component ("agent", "manager", "auditor"), "administrator" for a
    superuser, None without one."""
    if is_administrator(user):
        return "administrator"
    if not user.is_authenticated:
        return None
    return next((role for component, role in _memberships(user) if component == component_id), None)


def component_ids(user, *, write: bool = False, roles=None) -> set[int] | None:
    """The components the user works for (with a role that may act, if `write`; with one of
    `roles`, if given); None means all of them (administrator)."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return None
    wanted = set(roles) if roles else (set(WRITE_ROLES) if write else None)
    return {component for component, role in _memberships(user) if wanted is None or role in wanted}


def can_act(user, component_id: int | None = None) -> bool:
    """May the user change things (in this component, or in at least one)? Agents, managers and
    administrators may; auditors may not."""
    ids = component_ids(user, write=True)
    if ids is None:
        return True
    return bool(ids) if component_id is None else component_id in ids


def can_manage(user, component_id: int | None = None) -> bool:
    """May the user say who works for the component (add or remove agents and auditors)?
    Managers of that component and administrators may."""
    ids = component_ids(user, roles=MANAGE_ROLES)
    if ids is None:
        return True
    return bool(ids) if component_id is None else component_id in ids


def in_scope(user, component_id: int, *, write: bool = False) -> bool:
    ids = component_ids(user, write=write)
    return ids is None or component_id in ids


def scope_queryset(queryset, user, field: str, *, write: bool = False):
    """Filter `queryset` to the user's components through `field` (a path to a component id,
    e.g. "stage__programme__component_id")."""
    ids = component_ids(user, write=write)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": ids})


# --- Where to go after signing in ----------------------------------------------------------------

# A back-office (or admin site) path, with or without a language prefix: never another site.
_NEXT = re.compile(r"^(/[a-z]{2}(-[a-z]+)?)?/(gestion|admin)/[^\\]*$")


def safe_next(value: str | None) -> str:
    """Where to send a staff member after signing in: `value` if it is one of our back-office
    paths, else the dashboard."""
    if value and _NEXT.match(value) and url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return value
    return reverse("backoffice:dashboard")


# --- Verified sessions ---------------------------------------------------------------------------


def second_factor_required() -> bool:
    return getattr(settings, "MATRICULE_STAFF_REQUIRE_2FA", True)


def _session(request_or_session) -> SessionBase:
    return request_or_session if isinstance(request_or_session, SessionBase) else request_or_session.session


def mark_verified(request_or_session, *, method: str = "totp") -> None:
    """Mark the session's signed-in user as having passed the second factor (or CAS).

    Given a request, the session middleware saves it; given a bare session (a test's
    `client.session` after `client.force_login(user)`), it is saved here."""
    session = _session(request_or_session)
    user = getattr(request_or_session, "user", None)
    user_id = str(user.pk) if user is not None and user.is_authenticated else session.get(SESSION_KEY)
    if not user_id:
        raise ValueError("Nobody is signed in on this session.")
    # Tied to the user: a session that changes hands is not verified for the next person.
    session[VERIFIED_KEY] = {"user": str(user_id), "method": method, "at": timezone.now().isoformat()}
    if isinstance(request_or_session, SessionBase):
        session.save()


def verified_method(request) -> str | None:
    """How the signed-in user passed the second factor ("totp", "cas", "password" when it was not
    required), None if they have not."""
    value = request.session.get(VERIFIED_KEY)
    if not (isinstance(value, dict) and request.user.is_authenticated):
        return None
    return (value.get("method") or "totp") if value.get("user") == str(request.user.pk) else None


def is_verified(request) -> bool:
    """Has the session passed the second factor (or is it not required)?"""
    return not second_factor_required() or verified_method(request) is not None


def staff_required(view=None, *, write: bool = False, administrator: bool = False):
    """Decorator for every back-office view (see the module docstring).

    `write=True`: the view acts; its POST (any method other than GET, HEAD, OPTIONS) needs a
    role that may act in at least one component (403 for auditors), while GET stays open to
    auditors. The view still checks the object's own component (`in_scope(..., write=True)`).
    `administrator=True`: administrators only (403 for everyone else)."""

    def decorate(function):
        @wraps(function)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect(f"{reverse('staff:login')}?next={quote(request.get_full_path())}")
            if not is_staff_member(user):
                raise Http404
            if not is_verified(request):
                return redirect(f"{reverse('staff:second-factor')}?next={quote(request.get_full_path())}")
            if administrator and not user.is_superuser:
                raise PermissionDenied
            if write and request.method not in SAFE_METHODS and not can_act(user):
                raise PermissionDenied
            return function(request, *args, **kwargs)

        wrapped.staff_view = True  # the permission-matrix test finds back-office views by this
        return wrapped

    return decorate(view) if view is not None else decorate


# --- Password sign-in: delays and device cookies -------------------------------------------------


def sign_in_attempt(username: str, address: str, device_entries=()) -> limits.SignIn:
    """The counters of a password sign-in (accounts.limits.SignIn): the browser's device cookie
    counts when it names the account of this username."""
    device = None
    if device_entries:
        ids = set(
            get_user_model()
            .objects.filter(pk__in=[pk for pk, _ in device_entries], username__iexact=username)
            .values_list("pk", flat=True)
        )
        device = next((nonce for pk, nonce in device_entries if pk in ids), None)
    return limits.SignIn(limits.STAFF, username, address, device)


def after_failure(username: str, charge) -> None:
    """Failures keep coming for this username: tell the staff member (at most once a day)."""
    if not limits.should_notify(charge):
        return
    user = get_user_model().objects.filter(username__iexact=username, is_active=True).first()
    if user is not None and is_staff_member(user):
        activation.notify_failures(user, "staff_sign_in_failures")


# --- Second factor (TOTP) for staff --------------------------------------------------------------
#
# The app is set up and codes are checked by accounts.totp, as for students; staff differ in the
# set-up window below and their audit events.


def has_second_factor(user) -> bool:
    return totp.is_enabled(user)


# --- Setting up the authenticator app -----------------------------------------------------------
# A stolen password must not be enough to set up an app of one's own on a staff account that
# has none: the set-up is open only for a while after the person is given a role (or their app
# is reset), and an administrator can open it again (admin action, `manage.py open_enrolment`).
ENROLMENT_HOURS = 72


def open_enrolment(user, *, actor=None, hours: int = ENROLMENT_HOURS) -> datetime.datetime:
    until = timezone.now() + datetime.timedelta(hours=hours)
    AccountSecurity.objects.get_or_create(user_id=user.pk)
    AccountSecurity.objects.filter(user_id=user.pk).update(enrolment_open_until=until)
    record("accounts.staff_2fa_enrolment_opened", actor=actor, obj=user, until=until.isoformat())
    return until


def enrolment_open(user) -> bool:
    return AccountSecurity.objects.filter(user_id=user.pk, enrolment_open_until__gt=timezone.now()).exists()


def reset_second_factor(user, *, actor) -> bool:
    """An administrator clears a staff member's lost authenticator app (after checking who is
    asking): a new one is set up at the next sign-in, and the person is told by email.
    False when there was no app to reset."""
    with transaction.atomic():
        reset = totp.remove(
            user, actor=actor, action="accounts.staff_2fa_reset", notice="staff_authenticator_reset"
        )
        if not reset:
            return False
        open_enrolment(user, actor=actor)
    return True


def provisioning_uri(user, key: str) -> str:
    """The otpauth:// address of the staff account (named by its username)."""
    return totp.provisioning_uri(key, label=user.get_username(), issuer=f"{totp.issuer()} (gestion)")


def code_locked_until(user) -> datetime.datetime | None:
    """When the account's lock on wrong codes ends (None: not locked)."""
    return limits.locked_until(limits.SCOPE_TOTP, str(user.pk))


def _check_code(user, code: str, address: str, check) -> totp.CodeCheck:
    until = code_locked_until(user)
    if until:  # nothing checked, nothing counted
        return totp.CodeCheck(locked_until=until)
    # Counts a wrong code against the account (scope totp_user), like the students' codes.
    outcome = check(user, code, address=address)
    if not outcome.ok:
        record("accounts.staff_login_failed", actor=user, obj=user, reason="code", locked=outcome.locked)
    return outcome


def confirm_enrolment(user, code: str, *, address: str = "") -> totp.CodeCheck:
    """Turn the second factor on with a first code from the app."""
    with transaction.atomic():
        outcome = _check_code(user, code, address, totp.confirm)
        if outcome.ok:
            # Set up: the window closes.
            AccountSecurity.objects.filter(user_id=user.pk).update(enrolment_open_until=None)
            record("accounts.staff_2fa_enrolled", actor=user, obj=user)
    return outcome


def check_code(user, code: str, *, address: str = "") -> totp.CodeCheck:
    """The sign-in's second step: a current code, each time step accepted once."""
    return _check_code(user, code, address, totp.verify)


# --- CAS single sign-on --------------------------------------------------------------------------


def cas_enabled() -> bool:
    """CAS is on when a server is configured (and django-cas-ng is installed)."""
    from django.apps import apps

    return bool(getattr(settings, "CAS_SERVER_URL", None)) and apps.is_installed("django_cas_ng")
