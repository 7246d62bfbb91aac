"""Staff sign-in through the university's CAS single sign-on (django-cas-ng).

django-cas-ng's LoginView speaks the protocol: it sends the browser to the CAS server's /login
and, when the browser comes back with a ticket, has it validated by the server over HTTP
(python-cas, CAS 3.0 `/p3/serviceValidate`). Here we decide who may come in and what happens
then:

- a CAS login never creates anyone: the CAS username must be the username of an active staff
  member (an administrator, or someone with a role in a component); anyone else is refused with
  a page that says so, and the refusal is audited (`accounts.staff_login_failed`);
- a CAS sign-in counts as both factors: the university's single sign-on applies its own
  multi-factor policy, so the session is marked verified (method "cas") and no code is asked.

Settings: see the report of issue 9 (`CAS_SERVER_URL` from `MATRICULE_CAS_SERVER_URL`; CAS is
off when it is empty), with `StaffCASBackend` in AUTHENTICATION_BACKENDS and `django_cas_ng` in
INSTALLED_APPS (its session-ticket table).
"""

import functools
from xml.etree.ElementTree import ParseError

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django_cas_ng.backends import CASBackend
from django_cas_ng.utils import get_cas_client

from matricule.audit.services import record

from . import devices, staff

# Seconds to wait for the CAS server when validating a ticket: a server that hangs must not hold
# one of our workers for ever (requests waits without limit by default).
TIMEOUT = 10


class TimeoutSession(requests.Session):
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


def http_session() -> requests.Session:
    """For settings.CAS_SESSION_FACTORY."""
    return TimeoutSession()


def _refuse(request, reason: str, username: str = "", user=None) -> None:
    if request is not None:
        request.staff_cas_refusal = {"reason": reason, "username": username}
    record(
        "accounts.staff_login_failed",
        actor=user,
        obj=user,
        method="cas",
        reason=reason,
        username=username[:150],
    )


class StaffCASBackend(CASBackend):
    """Authenticates a CAS ticket as an existing staff member, never creating a user."""

    def authenticate(self, request, ticket: str, service: str):
        client = get_cas_client(service_url=service, request=request)
        username, attributes, _pgtiou = client.verify_ticket(ticket)
        attribute = getattr(settings, "CAS_USERNAME_ATTRIBUTE", "cas:user")
        if attribute != "cas:user":  # the university names people by an attribute (uid…)
            username = (attributes or {}).get(attribute)
        if not username:
            _refuse(request, "invalid_ticket")
            return None
        username = self.clean_username(str(username))
        model = get_user_model()
        user = model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
        if user is None:
            _refuse(request, "unknown_user", username)
            return None
        if not (self.user_can_authenticate(user) and staff.is_staff_member(user)):
            _refuse(request, "not_staff", username, user)
            return None
        return user


@functools.cache
def _login_view():
    # Imported here: django-cas-ng's views need its models, so its app must be installed, which
    # only matters once CAS is configured.
    from django_cas_ng.views import LoginView

    class StaffLoginView(LoginView):
        def successful_login(self, request, next_page):
            user = request.user
            staff.mark_verified(request, method="cas")
            record("accounts.staff_login", actor=user, obj=user, method="cas")
            # Our own check of where to go (django-cas-ng would follow the Referer).
            response = redirect(staff.safe_next(request.GET.get("next")))
            devices.remember(request, response, user)
            return response

    return StaffLoginView.as_view()


def login(request):
    """Send the browser to CAS, or take the ticket it comes back with; a POST is the CAS server's
    single logout (a SAML LogoutRequest naming the ticket): the session it opened ends."""
    if request.method == "POST":
        from cas import SingleLogoutMixin

        if SingleLogoutMixin.get_saml_slos(request.POST.get("logoutRequest", "")) is None:
            return HttpResponseBadRequest()  # django-cas-ng would fail on it (500)
    try:
        return _login_view()(request)
    except PermissionDenied:
        refusal = getattr(request, "staff_cas_refusal", None) or {"reason": "invalid_ticket", "username": ""}
        return render(request, "accounts/staff_cas_refused.html", refusal, status=403)
    except (requests.RequestException, ParseError):
        _refuse(request, "unavailable")
        return render(request, "accounts/staff_cas_refused.html", {"reason": "unavailable"}, status=502)


def logout_url(request, return_to: str) -> str:
    """The CAS server's logout address, coming back to `return_to` (absolute)."""
    return get_cas_client(request=request).get_logout_url(return_to)
