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
