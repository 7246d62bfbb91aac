"""Every back-office URL × every persona: who gets in, who gets a 404, a 403 or the sign-in.

The back-office URLs are found in the URL configuration (every view decorated with
`staff_required` is marked), so a new back-office page fails this test until it is
classified below."""

import pytest
from django.core.files.base import ContentFile
from django.urls import URLResolver, get_resolver, reverse

from matricule.accounts.models import ComponentMembership
from matricule.institution.models import Component
from tests.documents.conftest import (  # noqa: F401
    pdf_bytes,
    png_bytes,
    private_media,
    registered,
    upload_file,
)

PERSONAS = ["anonymous", "student", "iut_agent", "other_agent", "manager", "auditor", "administrator"]
ALLOW, LOGIN, NOT_FOUND, FORBIDDEN = "allow", "login", 404, 403

STAFF = {"iut_agent", "other_agent", "manager", "auditor", "administrator"}
# What each kind of page gives each persona.
POLICIES = {
    # A list scoped to the person's components: every staff member gets in.
    "list": dict.fromkeys(STAFF, ALLOW),
    # An object of the IUT: its staff, whatever their role, may look; others get a 404.
    "iut_read": {
        "iut_agent": ALLOW,
        "other_agent": NOT_FOUND,
        "manager": ALLOW,
        "auditor": ALLOW,
        "administrator": ALLOW,
    },
    # An action on an object of the IUT: auditors only read.
    "iut_write": {
        "iut_agent": ALLOW,
        "other_agent": NOT_FOUND,
        "manager": ALLOW,
        "auditor": FORBIDDEN,
        "administrator": ALLOW,
    },
    # A student's document or attachment itself: those who act in its component; its readers
    # (auditors) see statuses, not the documents (minimum exposure).
    "iut_files": {
        "iut_agent": ALLOW,
        "other_agent": NOT_FOUND,
        "manager": ALLOW,
        "auditor": FORBIDDEN,
        "administrator": ALLOW,
    },
    # A registration's cancellation or refund: the managers of its component and administrators.
    "iut_manage": {
        "iut_agent": FORBIDDEN,
        "other_agent": NOT_FOUND,
        "manager": ALLOW,
        "auditor": FORBIDDEN,
        "administrator": ALLOW,
    },
    # A page that acts on an object of the IUT: its agents and managers; auditors only read.
    "iut_write_page": {
        "iut_agent": ALLOW,
        "other_agent": NOT_FOUND,
        "manager": ALLOW,
        "auditor": FORBIDDEN,
        "administrator": ALLOW,
    },
    # A file prepared for one agent: nobody else, administrators included.
    "owner": {
        "iut_agent": ALLOW,
        "other_agent": NOT_FOUND,
        "manager": NOT_FOUND,
        "auditor": NOT_FOUND,
        "administrator": NOT_FOUND,
    },
    # Administrators only (the retention schedule).
    "administrator": {
        "iut_agent": FORBIDDEN,
        "other_agent": FORBIDDEN,
        "manager": FORBIDDEN,
        "auditor": FORBIDDEN,
        "administrator": ALLOW,
    },
    # A page that acts on a list of the person's components: those who act; auditors only read
    # the list itself.
    "acting_list": {
        "iut_agent": ALLOW,
        "other_agent": ALLOW,
        "manager": ALLOW,
        "auditor": FORBIDDEN,
        "administrator": ALLOW,
    },
    # The audit log: administrators and auditors.
    "audit": {
        "iut_agent": FORBIDDEN,
        "other_agent": FORBIDDEN,
        "manager": FORBIDDEN,
        "auditor": ALLOW,
        "administrator": ALLOW,
    },
}
for policy in POLICIES.values():
    policy.update(anonymous=LOGIN, student=NOT_FOUND)

# url name -> (policy, HTTP method, kwargs built from the objects fixture)
URLS = {
    "backoffice:dashboard": ("list", "get", lambda o: {}),
    "backoffice:search": ("list", "get", lambda o: {}),
    "backoffice:registrations": ("list", "get", lambda o: {}),
    "backoffice:registrations-remind": ("acting_list", "get", lambda o: {}),
    "backoffice:audit": ("audit", "get", lambda o: {}),
    "backoffice:student": ("iut_read", "get", lambda o: {"pk": o["registration"].student_id}),
    "backoffice:student-identity": ("iut_write_page", "get", lambda o: {"pk": o["registration"].student_id}),
    "backoffice:registration-cancel": ("iut_manage", "get", lambda o: {"pk": o["registration"].pk}),
    "backoffice:registration-reopen": ("iut_write_page", "get", lambda o: {"pk": o["registration"].pk}),
    "backoffice:registration-refund": ("iut_manage", "get", lambda o: {"pk": o["registration"].pk}),
    "backoffice:registration-activation-link": ("iut_write", "post", lambda o: {"pk": o["registration"].pk}),
    "backoffice:document-queue": ("list", "get", lambda o: {}),
    "backoffice:document-review": ("iut_read", "get", lambda o: {"pk": o["registration"].pk}),
    "backoffice:document-release": ("iut_write", "post", lambda o: {"pk": o["registration"].pk}),
    "backoffice:document-file": ("iut_files", "get", lambda o: {"version_pk": o["version"].pk}),
    "backoffice:document-page": ("iut_files", "get", lambda o: {"version_pk": o["version"].pk, "page": 1}),
    "backoffice:request-list": ("list", "get", lambda o: {}),
    "backoffice:request-detail": ("iut_read", "get", lambda o: {"pk": o["request"].pk}),
    "backoffice:request-assign": ("iut_write", "post", lambda o: {"pk": o["request"].pk}),
    "backoffice:request-decide": ("iut_write", "post", lambda o: {"pk": o["request"].pk}),
    "backoffice:request-file": ("iut_files", "get", lambda o: {"attachment_pk": o["attachment"].pk}),
    "exports:index": ("list", "get", lambda o: {}),
    "exports:download": ("owner", "get", lambda o: {"pk": o["export"].pk}),
    "exports:progress": ("owner", "get", lambda o: {"pk": o["export"].pk}),
    "exports:progress-fragment": ("owner", "get", lambda o: {"pk": o["export"].pk}),
    "desk:start": ("list", "get", lambda o: {}),
    "desk:cash-journal": ("list", "get", lambda o: {}),
    "backoffice:instalments": ("list", "get", lambda o: {}),
    "backoffice:payments": ("list", "get", lambda o: {}),
    "desk:resume": ("iut_read", "get", lambda o: {"pk": o["desk"].pk}),
    "desk:step": ("iut_read", "get", lambda o: {"pk": o["desk"].pk, "key": "identity"}),
    "desk:review": ("iut_read", "get", lambda o: {"pk": o["desk"].pk}),
    "desk:payment": ("iut_read", "get", lambda o: {"pk": o["desk"].pk}),
    "desk:done": ("iut_read", "get", lambda o: {"pk": o["desk"].pk}),
    "desk:summary-pdf": ("iut_read", "get", lambda o: {"pk": o["registration"].pk}),
    "backoffice:waiting-room": ("list", "get", lambda o: {}),
    "privacy:retention": ("administrator", "get", lambda o: {}),
}


def staff_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if pattern.namespace and namespace:
                    inner = f"{namespace}:{pattern.namespace}"
                walk(pattern.url_patterns, inner)
            elif getattr(pattern.callback, "staff_view", False):
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_back_office_url_is_in_the_matrix():
    assert staff_url_names() == set(URLS)


@pytest.fixture
def objects(registered, iut_agent, django_user_model):  # noqa: F811
    from matricule.backoffice.models import ExportJob
    from matricule.documents.services import upload
    from matricule.registration.desk import open_desk_registration
    from matricule.requests import services as requests
    from matricule.requests.models import Kind

    chartres = Component.objects.get(code="iut-chartres")
    submission = registered.submissions.get(document_type__code="identity")
    version = upload(submission, upload_file("identity.pdf", pdf_bytes()), actor=registered.student.user)
    request = requests.file_request(
        registered,
        Kind.CARD_REISSUE,
        {"reason": "theft"},
        [upload_file("declaration.png", png_bytes())],
        actor=registered.student.user,
    )
    export = ExportJob.objects.create(
        user=iut_agent,
        exporter="registrations",
        format="csv",
        status=ExportJob.Status.DONE,
        file_name="export.csv",
    )
    export.file.save("export.csv", ContentFile(b"a;b\n"))
    desk = open_desk_registration(
        agent=iut_agent,
        stage=registered.stage,
        kind="first",
        identity={
            "last_name": "KOWALSKA",
            "first_names": "Anna",
            "sex": "F",
            "birth_date": "2005-04-02",
            "email": "anna.kowalska@example.org",
        },
    )
    for username, role in (
        ("manager.chartres", ComponentMembership.Role.MANAGER),
        ("auditor.chartres", ComponentMembership.Role.AUDITOR),
    ):
        user = django_user_model.objects.create_user(username)
        ComponentMembership.objects.create(user=user, component=chartres, role=role)
    return {
        "registration": registered,
        "version": version,
        "request": request,
        "attachment": request.attachments.get(),
        "export": export,
        "desk": desk,
    }


def persona_user(name, objects, django_user_model):
    usernames = {
        "iut_agent": "agent.chartres",
        "other_agent": "agent.orleans",
        "manager": "manager.chartres",
        "auditor": "auditor.chartres",
        "administrator": "admin",
    }
    if name == "anonymous":
        return None
    if name == "student":
        return objects["registration"].student.user
    return django_user_model.objects.get(username=usernames[name])


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_gets_what(client, objects, persona, django_user_model):
    from matricule.accounts.staff import mark_verified

    user = persona_user(persona, objects, django_user_model)
    if user is not None:
        client.force_login(user)
        mark_verified(client.session)
    outcomes = {}
    for name, (policy, method, kwargs) in sorted(URLS.items()):
        url = reverse(name, kwargs=kwargs(objects))
        response = getattr(client, method)(url)
        if response.status_code in (403, 404):
            got = response.status_code
        elif response.status_code == 302 and response.url.startswith("/gestion/connexion/"):
            got = LOGIN
        else:
            got = ALLOW
        outcomes[name] = (got, POLICIES[policy][persona])
    wrong = {
        name: f"got {got}, expected {expected}"
        for name, (got, expected) in outcomes.items()
        if got != expected
    }
    assert wrong == {}
