"""Who works in the back office, for which components, and what they may do there.

One place for the rules every back-office view applies: anonymous visitors are sent to the
staff sign-in, signed-in people who are not staff get a 404 (no hint that the page exists),
read-only auditors may look but not act, and an agent only ever sees the components they
belong to. Administrators (superusers) see every component."""

from functools import wraps
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from .models import ComponentMembership

Role = ComponentMembership.Role
# Roles that may change things (review documents, register at the desk, decide requests).
WRITE_ROLES = (Role.AGENT, Role.MANAGER)
STAFF_LOGIN_PATH = "/gestion/connexion/"


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
    return bool(user.is_authenticated and (user.is_superuser or _memberships(user)))


def component_ids(user, *, write: bool = False, roles=None) -> set[int] | None:
    """The components the user works for (with a role that may act, if `write`);
    None means all of them (administrator)."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return None
    wanted = set(roles) if roles else (set(WRITE_ROLES) if write else None)
    return {component for component, role in _memberships(user) if wanted is None or role in wanted}


def can_act(user, component_id: int | None = None) -> bool:
    """May the user change things (in this component, or in at least one)?"""
    ids = component_ids(user, write=True)
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


def staff_required(view=None, *, write: bool = False, administrator: bool = False):
    """Decorator for every back-office view (see the module docstring)."""

    def decorate(function):
        @wraps(function)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect(f"{STAFF_LOGIN_PATH}?next={quote(request.get_full_path())}")
            if not is_staff_member(user):
                raise Http404
            if administrator and not user.is_superuser:
                raise PermissionDenied
            if write and not can_act(user):
                raise PermissionDenied
            return function(request, *args, **kwargs)

        wrapped.staff_view = True  # the permission-matrix test finds back-office views by this
        return wrapped

    return decorate(view) if view is not None else decorate
