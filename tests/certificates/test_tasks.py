"""The certificates tasks: a stage's certificates made in bulk, and the confirmation email with the
registration summary attached."""

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
