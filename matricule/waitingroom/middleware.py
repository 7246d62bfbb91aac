"""GateMiddleware: the admission gate in front of the registration flow.

Placed after AuthenticationMiddleware (and LocaleMiddleware, for the waiting page's language).
Only the guarded views are held back: the admission login, its link landing and the
`registration:` views (WAITINGROOM_GUARDED_URL_NAMES, WAITINGROOM_GUARDED_NAMESPACES); staff
are never held back, and nothing else is (static files, health check, payment notifications,
back office). Any request of a student holding a place keeps the place alive, so a student
paying or uploading documents is not sent back to the line.
"""

from dataclasses import replace

from django.conf import settings

from . import gate as gates
from .views import waiting_response

GUARDED_URL_NAMES = ("accounts:admission-login", "accounts:link")
GUARDED_NAMESPACES = ("registration",)
LOGOUT_URL_NAME = "accounts:logout"


def cookie_name() -> str:
    return gates.setting("WAITINGROOM_COOKIE", "matricule_wr")


class GateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._waitingroom_card = None
        response = self.get_response(request)
        card = request._waitingroom_card
        if card is not None:
            set_card(response, card)
        elif getattr(request, "_waitingroom_clear", False):
            response.delete_cookie(cookie_name())
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None:
            return None
        raw = request.COOKIES.get(cookie_name())
        guarded = is_guarded(match)
        if not raw and not guarded:
            return None  # the common case: nothing to read, nothing to do
        gate = gates.active_gate()
        if gate is None:
            return None
        card = gates.Card.loads(raw)
        if card is not None and card.gate != gate.pk:
            card = None
        at = gates.now()
        if card is not None and card.kind == gates.PASS:
            if match.view_name == LOGOUT_URL_NAME and request.method == "POST":
                gates.release(gate, card)
                request._waitingroom_clear = True
                return None
            kept = keep(request, gate, card, at)
            if kept is not None:
                return None
            if not guarded:
                return None  # lost while away; they queue again only when they come back to the flow
        if not guarded:
            return None
        user = request.user
        if user.is_authenticated:
            from matricule.accounts.staff import is_staff_member

            # A ticket made out to this student says they were found not to be staff.
            checked = card is not None and card.kind != gates.PASS and card.user == user.pk
            if not checked and is_staff_member(user):
                return None
            shared = gates.pass_of_user(gate, user.pk, at)
            if shared is not None:
                request._waitingroom_card = shared
                return None
        lost = card is not None and card.kind == gates.PASS
        decision = gates.arrive(gate, card, at)
        card = decision.card
        if decision.admitted and user.is_authenticated:
            card = gates.bind_user(gate, card, user.pk)
        elif user.is_authenticated and card.user != user.pk:
            card = replace(card, user=user.pk)
        request._waitingroom_card = card
        if decision.admitted:
            return None
        return waiting_response(request, gate, decision, lost=lost)


def is_guarded(match) -> bool:
    names = gates.setting("WAITINGROOM_GUARDED_URL_NAMES", GUARDED_URL_NAMES)
    namespaces = gates.setting("WAITINGROOM_GUARDED_NAMESPACES", GUARDED_NAMESPACES)
    return match.view_name in names or any(ns in namespaces for ns in match.namespaces)


def keep(request, gate, card, at):
    """The student's pass if their place is still theirs; its expiry is pushed back now and then."""
    user = request.user if hasattr(request, "user") else None
    user_id = user.pk if user is not None and user.is_authenticated else 0
    if at - card.touched < gate.touch_seconds and (not user_id or card.user == user_id):
        return card  # touched moments ago: the place cannot have expired
    kept = gates.touch(gate, card, at)
    if kept is None:
        return None
    if user_id and kept.user != user_id:
        kept = gates.bind_user(gate, kept, user_id)
    request._waitingroom_card = kept
    return kept


def set_card(response, card) -> None:
    response.set_cookie(
        cookie_name(),
        card.dumps(),
        max_age=gates.setting("WAITINGROOM_COOKIE_AGE", 60 * 60 * 24),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
