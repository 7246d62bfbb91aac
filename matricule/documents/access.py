"""Who may see which registration's documents: the student, their component's agents, and
administrators. Everybody else gets a 404, never a hint."""

from django.http import Http404

from matricule.registration.models import Registration


def agent_component_ids(user) -> set[int] | None:
    """The components an agent works for; None for an administrator (all of them)."""
    if user.is_superuser:
        return None
    return set(user.memberships.values_list("component_id", flat=True))


def is_staff_member(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.memberships.exists())


def registrations_for_agent(user):
    queryset = Registration.objects.all()
    components = agent_component_ids(user)
    if components is not None:
        queryset = queryset.filter(stage__programme__component_id__in=components)
    return queryset


def get_registration_for_agent(request, pk: int) -> Registration:
    if not is_staff_member(request.user):
        raise Http404
    registration = (
        registrations_for_agent(request.user)
        .select_related("student__user", "stage__programme__component", "academic_year", "candidate")
        .filter(pk=pk)
        .first()
    )
    if registration is None:
        raise Http404
    return registration
