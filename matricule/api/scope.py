"""What a client sees: the rows of its components only (or all, for a central system). Every
queryset of the API starts here; a row outside answers 404, as if it did not exist."""

from matricule.registration.models import Registration, Student

from .models import ApiClient

# Where each kind of row finds its component.
REGISTRATION_COMPONENT = "stage__programme__component_id"
THROUGH_REGISTRATION = f"registration__{REGISTRATION_COMPONENT}"


def component_ids(client: ApiClient) -> set[int] | None:
    """The client's components, None for all; read once per request (kept on the client)."""
    if client.all_components:
        return None
    cached = getattr(client, "_component_ids", None)
    if cached is None:
        cached = set(client.components.values_list("pk", flat=True))
        client._component_ids = cached
    return cached


def in_scope(client: ApiClient, component_id: int | None) -> bool:
    ids = component_ids(client)
    return ids is None or component_id in ids


def scoped(queryset, client: ApiClient, path: str):
    ids = component_ids(client)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{path}__in": ids})


def registrations(client: ApiClient):
    return scoped(Registration.objects.all(), client, REGISTRATION_COMPONENT)


def students(client: ApiClient):
    """Students with a registration in the client's components (every student for all)."""
    if component_ids(client) is None:
        return Student.objects.all()
    return Student.objects.filter(pk__in=registrations(client).values("student_id"))
