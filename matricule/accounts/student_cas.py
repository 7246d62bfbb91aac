"""Students' sign-in through the university's CAS ("Sign in with the ENT"), once their ENT
account exists in the directory.

Which student a CAS login is, is the directory app's answer (it knows the ENT accounts; it is
above this app and registers its look-up at start-up, `set_account_lookup`): the uid the CAS
server validates must be the uid of a student's ENT account; an unknown uid or a staff member
is refused (staff sign in on their own pages, staff_cas.py, unchanged). The ticket is validated
here with python-cas (not through django-cas-ng's LoginView and the authentication backends,
where the staff backend would use the ticket up first). Like the staff's, a CAS sign-in is
the university's single sign-on with its own policy: no second code is asked.
"""

from xml.etree.ElementTree import ParseError

import requests
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_cas_ng.utils import get_cas_client

from matricule.audit.services import record

from . import devices, throttle

BACKEND = "django.contrib.auth.backends.ModelBackend"
LOGIN_REDIRECT = "registration:home"

_lookup = None
_available = None


def set_account_lookup(lookup, available) -> None:
    """`lookup(uid)`: the student's user or None; `available()`: whether students may sign in so."""
    global _lookup, _available
    _lookup, _available = lookup, available


def available() -> bool:
    return _available is not None and _available()


def _safe_next(request) -> str:
    target = request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _refused(request, reason: str, username: str = "", status: int = 403):
    record("accounts.student_cas_login_failed", reason=reason, username=username[:150])
    return render(
        request, "accounts/student/cas_refused.html", {"reason": reason, "username": username}, status=status
    )


@never_cache
@require_GET
def login(request):
    """Send the browser to CAS; take the ticket it comes back with."""
    if not available():
        raise Http404
    next_url = _safe_next(request)
    path = reverse("student-account:login-ent") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    client = get_cas_client(service_url=request.build_absolute_uri(path), request=request)
    ticket = request.GET.get("ticket", "")[:256]
    if not ticket:
        return redirect(client.get_login_url())
    try:
        username, attributes, _pgtiou = client.verify_ticket(ticket)
    except (requests.RequestException, ParseError):
        return _refused(request, "unavailable", status=502)
    attribute = getattr(settings, "CAS_USERNAME_ATTRIBUTE", "cas:user")
    if attribute != "cas:user":  # the university names people by an attribute (uid…)
        username = (attributes or {}).get(attribute)
    if not username:
        return _refused(request, "invalid_ticket")
    username = str(username)
    user = _lookup(username)
    if user is None:
        return _refused(request, "no_student_account", username)
    auth_login(request, user, backend=BACKEND)
    record("accounts.student_cas_login", actor=user, obj=user, address=throttle.client_address(request))
    response = redirect(next_url or LOGIN_REDIRECT)
    devices.remember(request, response, user)
    return response
