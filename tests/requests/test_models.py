import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from matricule.requests.models import Attachment, Kind, Request, State

from .conftest import NEW_ADDRESS, photo

pytestmark = pytest.mark.django_db


def make(registration, **fields):
    values = {
        "student": registration.student,
        "registration": registration,
        "kind": Kind.ADDRESS_CHANGE,
        "data": dict(NEW_ADDRESS),
        **fields,
    }
    with transaction.atomic():
        return Request.objects.create(**values)


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "passport"},
        {"state": "lost"},
        {"state": State.IN_REVIEW},  # handled by nobody
        {"state": State.ACCEPTED},  # decided without a date
        {"state": State.SUBMITTED, "decided_at": timezone.now()},  # a date without a decision
        {"state": State.REFUSED, "decided_at": timezone.now(), "message": ""},  # refused without a word
    ],
    ids=["kind", "state", "in-review-unassigned", "accepted-undated", "dated-undecided", "refused-silently"],
)
def test_the_database_refuses_inconsistent_requests(registered, fields):
    with pytest.raises(IntegrityError):
        make(registered, **fields)


def test_consistent_states_are_accepted(registered, iut_agent):
    now = timezone.now()
    accepted = make(registered, state=State.ACCEPTED, assigned_to=iut_agent, decided_at=now)
    refused = make(registered, state=State.REFUSED, assigned_to=iut_agent, decided_at=now, message="Non.")
    assert {accepted.state, refused.state} == {"accepted", "refused"}
    assert not accepted.is_open and accepted.is_decided


def test_one_open_request_of_a_kind_per_registration(registered, iut_agent):
    first = make(registered)
    with pytest.raises(IntegrityError):
        make(registered, state=State.IN_REVIEW, assigned_to=iut_agent)
    other_kind = make(registered, kind=Kind.SITUATION_CHANGE, data={"situation": "Salariée"})
    Request.objects.filter(pk=first.pk).update(state=State.WITHDRAWN)
    again = make(registered)
    assert {first.pk, other_kind.pk, again.pk} == set(registered.requests.values_list("pk", flat=True))


def test_details_lists_what_was_asked_in_the_reader_language(registered):
    from django.utils import translation

    refund = make(registered, kind=Kind.FEE_REFUND, data={"reason": "Boursière", "amount_cents": 17800})
    card = make(registered, kind=Kind.CARD_REISSUE, data={"reason": "stolen", "details": ""})
    with translation.override("fr"):
        assert refund.details() == [("Motif", "Boursière"), ("Montant demandé", "178\u00a0€")]
        assert card.details() == [("Motif", "Volée")]
    with translation.override("en"):
        assert card.details() == [("Reason", "Stolen")]


def test_attachments_get_server_made_names_under_the_registration(registered):
    request = make(registered)
    attachment = Attachment(
        request=request, extension=".png", content_type="image/png", size=3, sha256="0" * 64
    )
    attachment.file.save("../../etc/passwd.png", photo(), save=True)
    assert attachment.file.name.startswith(f"requests/{registered.pk}/")
    assert "passwd" not in attachment.file.name and attachment.file.name.endswith(".png")
