"""A continuing student's documents (documents) after their re-registration or additional
registration (registration): what is still valid is carried over and not asked again, an expired
document is, and an additional registration of the same year shares the main one's."""

import datetime

from matricule.documents.models import Submission
from matricule.documents.services import sync_submissions
from matricule.registration import reregistration
from matricule.registration.models import State
from matricule.registration.services import mark_paid, submit_registration
from tests.registration.conftest import _complete, continuing


def test_documents_still_valid_are_not_asked_again(demo):
    student = continuing("emma")
    registration = _complete(reregistration.start_reregistration(student, user=student.user), student, "emma")
    registration = submit_registration(registration, actor=student.user)
    registration = mark_paid(registration, actor=student.user)
    assert registration.state == State.REGISTERED
    by_code = {s.document_type.code: s for s in sync_submissions(registration)}
    # Identity, photo and baccalaureate were validated last year and do not expire.
    for code in ("identity", "photo", "bac"):
        assert by_code[code].status == Submission.Status.VALIDATED
        assert by_code[code].carried_from is not None
    # The CVEC attestation is asked every year.
    assert by_code["cvec"].status == Submission.Status.MISSING


def test_an_expired_document_is_asked_again(demo):
    student = continuing("emma")
    Submission.objects.filter(registration__student=student, document_type__code="identity").update(
        valid_until=datetime.date(2000, 1, 1)
    )
    registration = _complete(reregistration.start_reregistration(student, user=student.user), student, "emma")
    registration = mark_paid(submit_registration(registration, actor=student.user), actor=student.user)
    by_code = {s.document_type.code: s for s in sync_submissions(registration)}
    assert by_code["identity"].status == Submission.Status.MISSING


def test_an_additional_registration_pays_the_reduced_rate_and_shares_the_documents(demo):
    from matricule.documents.services import documents_complete
    from matricule.registration.services import save_step

    student = continuing("emma")
    main = _complete(reregistration.start_reregistration(student, user=student.user), student, "emma")
    main = mark_paid(submit_registration(main, actor=student.user), actor=student.user)
    sync_submissions(main)
    additional = reregistration.start_additional(
        student, reregistration.additional_stages(student).get(), user=student.user
    )
    save_step(
        additional,
        "programme",
        {"confirm_stage": "on", "photo_on_card": "yes", "accept_rules": "on", "accept_privacy": "on"},
        actor=student.user,
    )
    additional = submit_registration(additional, actor=student.user)
    assert [line["code"] for line in additional.fee_lines] == ["registration_fee_reduced"]
    assert sync_submissions(additional) == []
    assert documents_complete(additional) is False
    Submission.objects.filter(registration=main).update(status=Submission.Status.VALIDATED)
    assert documents_complete(additional) is True
