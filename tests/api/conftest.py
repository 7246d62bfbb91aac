"""Two components' worth of data, every kind of row the API shows in each, and API clients."""

import itertools
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from matricule.api.models import SCOPES, ApiClient
from matricule.certificates.models import IssuedDocument
from matricule.documents.models import DocumentType, Submission, Version
from matricule.institution.models import Component, Stage
from matricule.payments.models import Payment
from matricule.registration.models import Registration, Student
from matricule.requests.models import Request

_serial = itertools.count(1)
PHOTO = b"\xff\xd8\xff\xe0 not really a JPEG, bytes to send back"


@dataclass
class Rows:
    """One component's rows: a student with a registration and one of each thing hanging from it."""

    component: Component
    stage: Stage
    student: Student
    registration: Registration
    payment: Payment
    document: Submission
    issued: IssuedDocument
    request: Request


def make_registration(stage, year, *, state="registered", number=None, **fields) -> Registration:
    n = next(_serial)
    user = get_user_model().objects.create(username=f"api-test-{n}", email=f"student{n}@example.org")
    student = Student.objects.create(
        user=user, student_number=number or f"88{n:06d}", last_name=f"NOM{n}", first_names="Prénom"
    )
    return Registration.objects.create(
        student=student, academic_year=year, stage=stage, state=state, **fields
    )


def make_rows(component_code: str, year) -> Rows:
    component = Component.objects.get(code=component_code)
    stage = Stage.objects.filter(programme__component=component).order_by("pk").first()
    registration = make_registration(
        stage,
        year,
        cleaned={
            "ine": {"has_ine": "yes", "ine": "1234567890A"},
            "contacts": {"city": "Chartres", "phone": "0600000000", "email": "perso@example.org"},
        },
    )
    n = next(_serial)
    payment = Payment.objects.create(
        registration=registration,
        reference=f"API-{n}",
        gateway="simulator",
        amount_cents=17800,
        paid_cents=17800,
        refunded_cents=1000,
        status=Payment.Status.PARTLY_REFUNDED,
        fee_key=f"{registration.pk}:fees",
    )
    document = Submission.objects.create(
        registration=registration,
        document_type=DocumentType.objects.get(code="photo"),
        status=Submission.Status.SUBMITTED,
    )
    version = Version(
        submission=document, extension=".jpg", content_type="image/jpeg", size=len(PHOTO), sha256="0" * 64
    )
    version.file.save("photo.jpg", ContentFile(PHOTO), save=True)
    issued = IssuedDocument.objects.create(
        serial=f"SERIAL{n:08d}",
        kind=IssuedDocument.Kind.CERTIFICATE,
        registration=registration,
        data={},
        data_hash="0" * 64,
        file="issued/x.pdf",
    )
    request = Request.objects.create(
        student=registration.student,
        registration=registration,
        kind="address_change",
        data={"street": "1 rue", "postal_code": "28000", "city": "Chartres", "country": "France"},
    )
    return Rows(component, stage, registration.student, registration, payment, document, issued, request)


@pytest.fixture
def year(demo):
    return demo.current_year


@pytest.fixture
def chartres(demo, year):
    return make_rows("iut-chartres", year)


@pytest.fixture
def orleans(demo, year):
    return make_rows("iut-orleans", year)


def new_client(name, *, scopes=SCOPES, components=(), all_components=False) -> tuple[ApiClient, str]:
    client = ApiClient(
        name=name, owner_email="owner@example.org", scopes=list(scopes), all_components=all_components
    )
    token = client.new_token()
    client.save()
    client.components.set(components)
    return client, token


@pytest.fixture
def api(client):
    """api(token) -> a function calling the API with that token: call(method, url, json=None)."""

    def bind(token):
        def call(method, url, json=None, **headers):
            if token is not None:
                headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            if json is not None:
                return getattr(client, method)(url, data=json, content_type="application/json", **headers)
            return getattr(client, method)(url, **headers)

        return call

    return bind


@pytest.fixture
def chartres_client(chartres, orleans):
    """A client of the IUT de Chartres with every scope (the other component's rows exist)."""
    return new_client("ent-chartres", components=[chartres.component])


@pytest.fixture
def as_chartres(api, chartres_client):
    return api(chartres_client[1])


def walk(call, url):
    """Every page of a list: the rows in order and the last page's answer."""
    rows, answer = [], None
    while url:
        response = call("get", url)
        assert response.status_code == 200, response.content
        answer = response.json()
        rows += answer["results"]
        url = answer["next"]
    return rows, answer


def all_ids(call, url) -> set[int]:
    """The ids of every row of a list, through all its pages."""
    return {row["id"] for row in walk(call, url)[0]}


def candidate(number, **fields):
    """A candidate record as the JSON import takes it (the columns of the CSV import)."""
    return {
        "numero_parcoursup": number,
        "nom": "Martin",
        "prenom": "Léa",
        "date_naissance": "02/03/2007",
        "email": f"lea{number}@example.org",
        "code_formation_psup": "GEII-1",
        "code_situation": "1",
        **fields,
    }
