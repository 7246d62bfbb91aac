"""Login by admission credentials (APO-CONNECT): Parcoursup number + date of birth + email,
then a single-use connection link sent by email.

The answer is the same whether or not the three match, so that nobody can learn who is
admitted: the throttle protects mailboxes and the server, not a secret, and matching details
always get their link (accounts.limits.DetailsAttempt). Attempts slow down per number, failures
per (number, address) and per address; a delay in force only changes the answer's wording
(the same for a match and a miss). Links actually sent are capped per candidate (scope
link_request), and only the newest link of a person works.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from matricule.admissions.models import Candidate, normalize_parcoursup_number
from matricule.audit.services import record
from matricule.compat import task
from matricule.rows import unique_row
from matricule.scheduling.queues import LOGIN_PRIORITY

from . import limits, throttle
from .activation import has_activated_account
from .models import LoginLink, Throttle


class LinkRequest(limits.Answer):
    """Slowed: a delay was in force when the request came; the answer says when to try again (the
    details were checked all the same, and a match got its link)."""


def _number_key(number: str) -> str:
    return normalize_parcoursup_number(number) or number.strip().upper()[:32]


def request_link(*, year, number: str, birth_date: datetime.date, email: str, address: str) -> LinkRequest:
    """Check the three credentials and, when they match, queue the connection link."""
    key = _number_key(number)
    attempt = limits.DetailsAttempt(key, address)
    retry_at = attempt.retry_at()  # what the answer says depends on this alone

    with transaction.atomic():
        candidate = Candidate.objects.matching_credentials(year, number, birth_date, email).first()
        if retry_at is None:  # attempts made during a delay are not counted
            attempt.counted(matched=candidate is not None)
        if candidate is None:
            if retry_at is None:
                record("accounts.admission_login.failed", number=key, address=address)
            return LinkRequest(retry_at)
        if has_activated_account(candidate.user):
            # An activated student logs in with their password, not their admission details.
            record("accounts.admission_login.account_activated", obj=candidate)
            return LinkRequest(retry_at)
        link_key = str(candidate.pk)
        if throttle.locked_until(Throttle.Scope.LINK_REQUEST, link_key):
            record("accounts.admission_login.link_limited", obj=candidate)
            return LinkRequest(retry_at)
        throttle.hit(Throttle.Scope.LINK_REQUEST, link_key)
        record("accounts.admission_login.link_requested", obj=candidate, address=address)
        language = translation.get_language() or settings.LANGUAGE_CODE
        transaction.on_commit(lambda: send_login_link.enqueue(candidate.pk, language))
    return LinkRequest(retry_at)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(candidate: Candidate) -> str:
    """A new link for the candidate; returns the token (never stored in clear)."""
    token = secrets.token_urlsafe(32)  # 256 bits
    LoginLink.objects.create(
        token_hash=hash_token(token),
        candidate=candidate,
        expires_at=timezone.now() + datetime.timedelta(minutes=settings.LOGIN_LINK_MINUTES),
    )
    return token


@task(queue_name="login", priority=LOGIN_PRIORITY)
def send_login_link(candidate_id: int, language: str = "fr") -> None:
    """Create the link here, in the worker, so the token never sits in the task queue."""
    from matricule.notifications.services import send_login_link_email, sent_already

    candidate = Candidate.objects.select_related("academic_year", "user").get(pk=candidate_id)
    if has_activated_account(candidate.user):
        return
    if sent_already("login_link"):
        return  # taken up again after its worker died: the link was sent; a new one would void it
    token = create_link(candidate)
    with translation.override(language):
        path = reverse("accounts:link", args=[token])
    send_login_link_email(candidate, settings.SITE_URL + path)


class LinkError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  # "unknown", "used", "expired" or "replaced"


def check_link(token: str) -> LoginLink:
    """The link if it can still be used; raises LinkError otherwise. Does not use it."""
    link = unique_row(LoginLink.objects.select_related("candidate").filter(token_hash=hash_token(token)))
    _raise_if_unusable(link)
    return link


def _raise_if_unusable(link: LoginLink | None) -> None:
    if link is None:
        raise LinkError("unknown")
    if link.used_at is not None:
        raise LinkError("used")
    if link.expires_at <= timezone.now():
        raise LinkError("expired")
    # A newer link voids the older ones: only the one in the latest email works.
    owner = {"candidate_id": link.candidate_id} if link.candidate_id else {"user_id": link.user_id}
    if LoginLink.objects.filter(**owner, pk__gt=link.pk).exists():
        raise LinkError("replaced")


def use_link(token: str):
    """Use the link once: returns the candidate's user, to be logged in. Raises LinkError."""
    with transaction.atomic():
        link = unique_row(
            LoginLink.objects.select_for_update(of=("self",))
            .select_related("candidate", "user")
            .filter(token_hash=hash_token(token))
        )
        _raise_if_unusable(link)
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        if link.candidate_id is None:  # a continuing student's link
            LoginLink.objects.filter(user=link.user, used_at__isnull=True).update(used_at=link.used_at)
            record("accounts.student_link_used", actor=link.user, obj=link.user)
            return link.user
        # Older links of the same candidate stop working too.
        LoginLink.objects.filter(candidate=link.candidate, used_at__isnull=True).update(used_at=link.used_at)
        user = user_for_candidate(link.candidate)
        record("accounts.admission_login.link_used", actor=user, obj=link.candidate)
        return user


def create_user_link(user) -> str:
    """A new connection link to an existing account (continuing students); returns the token."""
    token = secrets.token_urlsafe(32)
    LoginLink.objects.create(
        token_hash=hash_token(token),
        user=user,
        expires_at=timezone.now() + datetime.timedelta(minutes=settings.LOGIN_LINK_MINUTES),
    )
    return token


def user_for_candidate(candidate: Candidate):
    """The person's account, created on first login; no password until activation."""
    if candidate.user_id:
        return candidate.user
    user_model = get_user_model()
    user = user_model(
        username=f"psup-{candidate.academic_year.first_year}-{candidate.parcoursup_number}",
        email=candidate.email,
        first_name=candidate.first_names[:150],
        last_name=candidate.last_name[:150],
    )
    user.set_unusable_password()
    user.save()
    candidate.user = user
    candidate.save(update_fields=["user"])
    return user
