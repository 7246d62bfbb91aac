"""Issuing official documents: serials, one valid document per content, revoked when it changes."""

from matricule.certificates import services

from .conftest import complete


def test_changed_data_issues_a_new_serial_and_revokes_the_old(registered, iut_agent):
    complete(registered, iut_agent)
    first = services.issue_certificate(registered)
    registered.cleaned["ine"]["ine"] = "0494004062M"
    registered.cleaned["ine"]["has_ine"] = "yes"
    registered.save()
    registered.student.user.refresh_from_db()
    second = services.issue_certificate(registered)
    if second.pk != first.pk:
        first.refresh_from_db()
        assert first.status == "revoked" and second.status == "valid"


def test_serials_are_not_guessable():
    serials = {services.new_serial() for _ in range(2000)}
    assert len(serials) == 2000
    assert all(len(s) == 14 and s[4] == "-" for s in serials)


def test_a_document_issued_meanwhile_by_another_process_wins_and_ours_leaves_no_file(registered):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from matricule.certificates.models import IssuedDocument

    seen = {}

    def render_while_another_issues(serial):
        # Another process issues the same document while this one renders its PDF.
        theirs = IssuedDocument(
            serial=services.new_serial(), kind="receipt", registration=registered, language="en", data={}
        )
        theirs.file.save("receipt-theirs.pdf", ContentFile(b"%PDF-theirs"), save=True)
        seen["folder"] = theirs.file.name.rpartition("/")[0]
        seen["files"] = set(default_storage.listdir(seen["folder"])[1])
        return b"%PDF-ours", False

    document = services.issue_document(registered, "receipt", "en", {"a": 1}, render_while_another_issues)

    assert document.file.read() == b"%PDF-theirs"
    assert IssuedDocument.objects.filter(registration=registered, kind="receipt", language="en").count() == 1
    # Our PDF was written, then deleted when our row lost the race: only theirs is left.
    assert set(default_storage.listdir(seen["folder"])[1]) == seen["files"]
