"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").

After a successful sign-in the browser gets a signed cookie naming the account (its id and a
random nonce). A later sign-in to that account presenting it is not slowed by the failures
counted against the account from elsewhere: it has its own small budget of failures, counted
per nonce (accounts.limits.SignIn). The cookie grants nothing else: the password (and the
second factor) are checked as always. It is signed with the site's secret (django.core.signing,
with its own salt): a forged or altered cookie is ignored, and so is one naming another account.

One cookie per browser holds the accounts that signed in on it, newest first (a desk computer
shared by a few staff members), at most MAX_ACCOUNTS.
"""

import datetime
import secrets

from django.conf import settings
from django.core import signing

COOKIE = "matricule_device"
SALT = "matricule.accounts.devices"
MAX_AGE = datetime.timedelta(days=365)
MAX_ACCOUNTS = 5


def entries(request) -> list[tuple[int, str]]:
    """The (account id, nonce) pairs of the request's cookie; [] when it has none, or one that
    is forged, altered, too old or malformed."""
    value = request.COOKIES.get(COOKIE)
    if not value:
        return []
    try:
        data = signing.loads(value, salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError):
        return []
    found = []
    for item in data if isinstance(data, list) else []:
        if (
            isinstance(item, list)
            and len(item) == 2
            and isinstance(item[0], int)
            and isinstance(item[1], str)
            and item[1]
        ):
            found.append((item[0], item[1]))
    return found[:MAX_ACCOUNTS]


def nonce_for(request, user_ids) -> str | None:
    """The nonce of the request's device cookie for one of these accounts, if it has one."""
    wanted = set(user_ids)
    return next((nonce for user_id, nonce in entries(request) if user_id in wanted), None)


def remember(request, response, user) -> None:
    """After a successful sign-in: (re)issue the cookie with this account first."""
    kept = [(user_id, nonce) for user_id, nonce in entries(request) if user_id != user.pk]
    nonce = nonce_for(request, [user.pk]) or secrets.token_urlsafe(16)
    value = signing.dumps([[user.pk, nonce], *[list(entry) for entry in kept]][:MAX_ACCOUNTS], salt=SALT)
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(MAX_AGE.total_seconds()),
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
