"""The rate limits of the sign-ins and of the account emails, with their default numbers (used
when the settings do not name the scope). docs/security.md says why each number is what it is.

Nothing here shuts the rightful person out because of what someone else did:

- The admission login (`DetailsAttempt`) never refuses details that match: a delay only changes
  the answer's wording, the link is sent all the same (the answer is the same whether or not the
  details match, so the delays protect mailboxes and the server, not a secret). Links actually
  sent are capped per candidate (`link_request`).
- The password sign-ins (`SignIn`, students and staff) slow failures down per (identifier,
  address) and per identifier, never per address alone (a lycée, a campus or a mobile operator
  is one address for thousands). A browser that signed in to the account before (a device
  cookie, accounts.devices) is not slowed by failures from elsewhere: its own failures are
  counted on it alone. The account holder is told by email when failures pile up.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings

from matricule.audit.services import record

from . import throttle
from .models import Throttle

Scope = Throttle.Scope

# The names the other modules and the tests use.
SCOPE_TOTP = Scope.TOTP_USER
SCOPE_ACCOUNT_LINK = Scope.ACCOUNT_LINK
SCOPE_RESET_ADDRESS = Scope.RESET_ADDRESS
SCOPE_IDENTIFIER = Scope.PASSWORD_IDENTIFIER

# Locks (accounts.throttle.hit), for what only the rightful user (or someone who already holds
# their password, or their mailbox) can cause. Used when settings.MATRICULE_THROTTLES does not
# (yet) name the scope: events, window in seconds, cooling-off in seconds.
DEFAULT_LIMITS = {
    Scope.TOTP_USER: (5, 15 * 60, 15 * 60),  # wrong second-factor codes per account
    Scope.ACCOUNT_LINK: (5, 60 * 60, 60 * 60),  # activation/reset emails per account
}

MINUTE = 60
# Progressive delays (accounts.throttle.Backoff). Used when settings.MATRICULE_BACKOFFS does not
# name the scope: failures free of any delay, first delay in seconds (doubled at each further
# failure), longest delay in seconds, one failure forgotten every so many seconds.
DEFAULT_BACKOFFS = {
    # Password sign-ins, students and staff alike.
    Scope.PASSWORD_PAIR: (5, 5, 15 * MINUTE, 15 * MINUTE),  # failures per (identifier, address)
    Scope.PASSWORD_IDENTIFIER: (10, 5, 15 * MINUTE, 15 * MINUTE),  # failures per identifier, any address
    Scope.STAFF_PAIR: (5, 5, 15 * MINUTE, 15 * MINUTE),
    Scope.STAFF_USERNAME: (10, 5, 15 * MINUTE, 15 * MINUTE),
    Scope.DEVICE: (5, 5, 15 * MINUTE, 15 * MINUTE),  # failures on a device that signed in before
    # Admission login (matching details always get their link).
    Scope.LOGIN_NUMBER: (10, 10, 5 * MINUTE, 5 * MINUTE),  # attempts per Parcoursup number, any address
    Scope.LOGIN_PAIR: (3, 10, 5 * MINUTE, 5 * MINUTE),  # failures per (number, address)
    Scope.LOGIN_ADDRESS: (30, 5, 2 * MINUTE, 20),  # failures per address
    # Password reset requests per address: a school's students behind one address are slowed
    # for two minutes at worst, never locked out (the emails are capped per account, above).
    Scope.RESET_ADDRESS: (30, 5, 2 * MINUTE, 20),
}

# The email about repeated failures: once the identifier (or the device) has this many failures
# remembered, and at most once a day per account.
NOTICE_AFTER = 5
NOTICE_EVERY = datetime.timedelta(hours=24)


# --- Locks ---------------------------------------------------------------------------------------


def rule(scope: str) -> throttle.Limit:
    count, window, cooldown = settings.MATRICULE_THROTTLES.get(scope) or DEFAULT_LIMITS[scope]
    return throttle.Limit(
        scope, count, datetime.timedelta(seconds=window), datetime.timedelta(seconds=cooldown)
    )


def locked_until(scope: str, key: str):
    return throttle.locked_until(scope, key[: throttle.KEY_LENGTH])


def hit(scope: str, key: str):
    """throttle.hit, with this module's default limit when the scope is not configured."""
    return throttle.hit(scope, key[: throttle.KEY_LENGTH], rule=rule(scope))


def link_allowed(user) -> bool:
    """Count one activation or reset email for the account; False when over the limit."""
    key = str(user.pk)
    if locked_until(SCOPE_ACCOUNT_LINK, key):
        record("accounts.account.link_limited", obj=user)
        return False
    hit(SCOPE_ACCOUNT_LINK, key)
    return True


# --- Progressive delays --------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a sign-in or a link request answers; `retry_at` set: a delay was in force (the
    password was not checked, or the request was not taken), until then."""

    retry_at: datetime.datetime | None = None

    @property
    def slowed(self) -> bool:
        return self.retry_at is not None


def backoff(scope: str) -> throttle.Backoff:
    configured = getattr(settings, "MATRICULE_BACKOFFS", {}).get(scope)
    free, base, cap, decay = configured or DEFAULT_BACKOFFS[scope]
    return throttle.Backoff(scope, free, base, cap, decay)


class _Attempt:
    """The counters of one attempt: read once (one query), then charged or cleared."""

    keys: list[tuple[str, str]]

    def __init__(self):
        self._rows = None

    def _key(self, scope: str, key: str) -> tuple[str, str]:
        return (scope, key[: throttle.KEY_LENGTH])

    def retry_at(self) -> datetime.datetime | None:
        """When the delay in force for this attempt ends; None when there is none."""
        self._rows = throttle.counters(self.keys)
        return throttle.waiting_until(self._rows.values())

    def _charge(self, scope: str, key: str) -> throttle.Charge:
        return throttle.charge(backoff(scope), key)


@dataclass(frozen=True)
class SignInScopes:
    pair: str
    identifier: str


STUDENTS = SignInScopes(Scope.PASSWORD_PAIR, Scope.PASSWORD_IDENTIFIER)
STAFF = SignInScopes(Scope.STAFF_PAIR, Scope.STAFF_USERNAME)


class AddressAttempt(_Attempt):
    """Requests from one network address that only need slowing down, never a lock: each one
    counts (a password reset request, whose answer does not say whether the account exists)."""

    def __init__(self, scope: str, address: str):
        super().__init__()
        self.key = self._key(scope, address)
        self.keys = [self.key]

    def counted(self) -> None:
        self._charge(*self.key)


class SignIn(_Attempt):
    """A password sign-in. With `device` (the nonce of a valid device cookie that names this
    account) its failures count on that device alone; otherwise on (identifier, address) and
    on the identifier. While a delay is in force the password is not checked at all."""

    def __init__(self, scopes: SignInScopes, identifier: str, address: str, device: str | None = None):
        super().__init__()
        self.device = device
        if device:
            self.keys = [self._key(Scope.DEVICE, device)]
        else:
            self.keys = [
                self._key(scopes.pair, f"{identifier}@{address}"),
                self._key(scopes.identifier, identifier),
            ]

    def failed(self) -> throttle.Charge:
        """Count a wrong password; the charge of the identifier (or the device)."""
        charges = [self._charge(scope, key) for scope, key in self.keys]
        return charges[-1]

    def succeeded(self) -> None:
        """A right password: this attempt's counters start again from zero."""
        rows = self._rows if self._rows is not None else throttle.counters(self.keys)
        throttle.clear([key for key in self.keys if key in rows and rows[key].count])


def should_notify(charge: throttle.Charge) -> bool:
    return charge.count >= NOTICE_AFTER


def identifier_key(identifier: str) -> str:
    """The form student sign-in failures are counted under: student numbers and emails,
    case-insensitive."""
    return " ".join(identifier.split()).casefold()


def forget_failures(user) -> None:
    """A password reset proves the mailbox: the failures counted against the student's
    identifiers (email, student number) from unknown devices are forgotten, so that they can
    sign in at once with their new password."""
    student = getattr(user, "student", None)
    identifiers = [user.email, student.student_number if student else ""]
    throttle.clear(
        [(SCOPE_IDENTIFIER, identifier_key(value)[: throttle.KEY_LENGTH]) for value in identifiers if value]
    )


class DetailsAttempt(_Attempt):
    """A request for a connection link by personal details (a Parcoursup number or a student
    number, with a date of birth and an email). Every attempt counts for the number, from any
    address, whether or not the details match (so that a match cannot be told from a miss);
    failures count per (number, address) and per address, never matches, so that a school's
    students typing their details right are never slowed by each other.

    Attempts made while a delay is in force are answered with that delay and not counted, but
    the details are checked all the same: matching details always get their link."""

    def __init__(self, number: str, address: str):
        super().__init__()
        self.number_key = self._key(Scope.LOGIN_NUMBER, number)
        self.pair_key = self._key(Scope.LOGIN_PAIR, f"{number}@{address}")
        self.address_key = self._key(Scope.LOGIN_ADDRESS, address)
        self.keys = [self.number_key, self.pair_key, self.address_key]

    def counted(self, *, matched: bool) -> None:
        self._charge(*self.number_key)
        if not matched:
            self._charge(*self.pair_key)
            self._charge(*self.address_key)
