"""The certificates tasks: a stage's certificates made in bulk, and the confirmation email with the
registration summary attached."""

import pytest
from django.core import mail

from matricule.certificates.models import BulkGeneration, IssuedDocument
from matricule.certificates.tasks import generate_certificates, send_registration_confirmation

from .conftest import complete


def test_the_confirmation_email_carries_the_issued_summary(registered):
    mail.outbox = []
    send_registration_confirmation.call(registered.pk)
    [message] = mail.outbox
    number = registered.student.student_number
    assert number in message.subject and message.to == [registered.cleaned["contacts"]["email"]]
    [(name, content, content_type)] = message.attachments
    assert (name, content_type) == (f"recapitulatif-{number}.pdf", "application/pdf")
    summary = IssuedDocument.objects.get(registration=registered, kind="summary", language="fr")
    with summary.file.open("rb") as handle:
        assert content == handle.read() and content.startswith(b"%PDF")
    send_registration_confirmation.call(registered.pk)  # sent again: the same summary, not a new one
    assert IssuedDocument.objects.filter(registration=registered, kind="summary").count() == 1
    assert mail.outbox[1].attachments[0][1] == content


def test_a_stage_whose_documents_are_not_complete_is_skipped_then_made(registered, iut_agent, administrator):
    def run():
        job = BulkGeneration.objects.create(
            stage=registered.stage, academic_year=registered.academic_year, requested_by=administrator
        )
        assert generate_certificates.call(job.pk) == 1
        job.refresh_from_db()
        return job.status, job.total, job.done, job.skipped

    assert run() == ("done", 1, 0, 1)
    assert not IssuedDocument.objects.filter(kind="certificate").exists()
    complete(registered, iut_agent)
    assert run() == ("done", 1, 1, 0)
    languages = IssuedDocument.objects.filter(kind="certificate").values_list("language", flat=True)
    assert sorted(languages) == ["en", "fr"]


def test_running_the_generation_twice_makes_the_certificates_once(registered, iut_agent, administrator):
    complete(registered, iut_agent)
    job = BulkGeneration.objects.create(
        stage=registered.stage, academic_year=registered.academic_year, requested_by=administrator
    )

    assert generate_certificates.call(job.pk) == 1
    assert generate_certificates.call(job.pk) == 0  # not queued any more: left alone

    job.refresh_from_db()
    assert (job.status, job.total, job.done, job.skipped) == ("done", 1, 1, 0)
    assert IssuedDocument.objects.filter(kind="certificate").count() == 2


def test_a_generation_whose_worker_died_starts_over_without_doubling(registered, iut_agent, administrator):
    complete(registered, iut_agent)
    job = BulkGeneration.objects.create(
        stage=registered.stage, academic_year=registered.academic_year, requested_by=administrator
    )
    assert generate_certificates.call(job.pk) == 1
    # As if the worker had died half-way: the task, taken up again, finds the job running.
    BulkGeneration.objects.filter(pk=job.pk).update(status="running", done=1)

    assert generate_certificates.call(job.pk) == 1

    job.refresh_from_db()
    assert (job.status, job.total, job.done, job.skipped) == ("done", 1, 1, 0)
    assert IssuedDocument.objects.filter(kind="certificate").count() == 2  # reused, not remade


def test_a_generation_that_breaks_is_failed_and_the_error_raised(registered, iut_agent, monkeypatch):
    from matricule.certificates import services

    complete(registered, iut_agent)

    def broken(registration, language):
        raise RuntimeError("no signing key")

    monkeypatch.setattr(services, "issue_certificate", broken)
    job = BulkGeneration.objects.create(stage=registered.stage, academic_year=registered.academic_year)

    with pytest.raises(RuntimeError, match="no signing key"):
        generate_certificates.call(job.pk)

    job.refresh_from_db()
    assert (job.status, job.total, job.done) == ("failed", 1, 0)
    assert job.finished
