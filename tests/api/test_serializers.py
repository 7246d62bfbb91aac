"""What each resource shows (and leaves out), and the bodies the writes accept: the student's
INE and contacts from the registrations the client may see, a document's latest version and
its download link."""

from types import SimpleNamespace

from matricule.api import serializers

from .conftest import PHOTO


def test_registration(as_chartres, chartres):
    row = as_chartres("get", f"/api/v1/registrations/{chartres.registration.pk}/").json()
    assert row["student"] == chartres.student.pk
    assert row["student_number"] == chartres.student.student_number
    assert (row["stage"], row["component"], row["state"]) == (
        chartres.stage.code,
        "iut-chartres",
        "registered",
    )
    assert row["academic_year"] == chartres.registration.academic_year.code


def test_student_with_ine_and_contacts(as_chartres, chartres):
    row = as_chartres("get", f"/api/v1/students/{chartres.student.pk}/").json()
    assert row["student_number"] == chartres.student.student_number
    assert row["ine"] == "1234567890A"
    assert row["contacts"] == {"city": "Chartres", "phone": "0600000000", "email": "perso@example.org"}
    assert row["registrations"] == [chartres.registration.pk]
    assert row["account_email"] == chartres.student.user.email


def test_payment_with_its_refund(as_chartres, chartres):
    row = as_chartres("get", f"/api/v1/payments/{chartres.payment.pk}/").json()
    assert (row["amount_cents"], row["paid_cents"], row["refunded_cents"]) == (17800, 17800, 1000)
    assert row["status"] == "partly_refunded"
    assert "note" not in row


def test_document_with_its_latest_version_and_download(as_chartres, chartres):
    row = as_chartres("get", f"/api/v1/documents/{chartres.document.pk}/").json()
    assert (row["document_type"], row["status"]) == ("photo", "submitted")
    assert row["latest_version"]["size"] == len(PHOTO)
    assert row["download"].endswith(f"/api/v1/documents/{chartres.document.pk}/file/")


def test_issued_document_and_request(as_chartres, chartres):
    issued = as_chartres("get", f"/api/v1/issued-documents/{chartres.issued.pk}/").json()
    assert (issued["serial"], issued["kind"], issued["status"]) == (
        chartres.issued.serial,
        "certificate",
        "valid",
    )
    assert "data" not in issued
    request = as_chartres("get", f"/api/v1/requests/{chartres.request.pk}/").json()
    assert (request["kind"], request["state"], request["data"]["city"]) == (
        "address_change",
        "submitted",
        "Chartres",
    )


def _registration(pk, cleaned, candidate=None):
    return SimpleNamespace(pk=pk, cleaned=cleaned, candidate=candidate)


def test_the_ine_falls_back_on_the_admitted_candidate():
    student = SimpleNamespace(
        visible_registrations=[
            _registration(2, {"ine": {"has_ine": "no"}}, SimpleNamespace(ine="0987654321B")),
            _registration(1, {"ine": {"ine": "1234567890A"}}),
        ]
    )
    assert serializers.StudentSerializer().get_ine(student) == "0987654321B"
    assert serializers.StudentSerializer().get_ine(SimpleNamespace(visible_registrations=[])) == ""


def test_contacts_are_the_listed_fields_of_the_latest_registration():
    latest = {"contacts": {"city": "Dreux", "email": "a@example.org", "email_confirmation": "a@example.org"}}
    student = SimpleNamespace(
        visible_registrations=[_registration(2, latest), _registration(1, {"contacts": {"city": "Chartres"}})]
    )
    found = serializers.StudentSerializer().get_contacts(student)
    assert found == {"city": "Dreux", "email": "a@example.org"}  # not the email confirmation
    assert serializers.StudentSerializer().get_registrations(student) == [2, 1]
    assert serializers.StudentSerializer().get_contacts(SimpleNamespace(visible_registrations=[])) == {}


def test_a_decision_is_validate_or_refuse_with_a_bounded_comment():
    assert serializers.DecisionSerializer(data={"decision": "validate"}).is_valid()
    refused = serializers.DecisionSerializer(data={"decision": "refuse", "comment": "x" * 2001})
    assert not refused.is_valid()
    assert set(refused.errors) == {"comment"}
    assert not serializers.DecisionSerializer(data={"decision": "maybe"}).is_valid()


def test_an_import_holds_at_most_max_records():
    limit = serializers.MAX_RECORDS
    assert serializers.ResultsImportSerializer(data={"results": [{}] * limit}).is_valid()
    too_many = serializers.ResultsImportSerializer(data={"results": [{}] * (limit + 1)})
    assert not too_many.is_valid()
    assert set(too_many.errors) == {"results"}
