"""`manage.py make_signing_key`: a self-signed key and certificate for a demo or test instance."""

from matricule.certificates import services
from tests.certificates.conftest import complete


def test_with_a_signing_key_the_certificate_is_signed_and_verifies(
    registered, iut_agent, settings, tmp_path, capsys
):
    from django.core.management import call_command

    from matricule.certificates.signing import verify_pdf

    call_command("make_signing_key", str(tmp_path / "signing"))
    assert "MATRICULE_SIGNING_KEY=" in capsys.readouterr().out
    settings.MATRICULE_SIGNING_KEY = str(tmp_path / "signing" / "signing-key.pem")
    settings.MATRICULE_SIGNING_CERT = str(tmp_path / "signing" / "signing-cert.pem")
    complete(registered, iut_agent)
    document = services.issue_certificate(registered)
    assert document.signed
    with document.file.open("rb") as handle:
        result = verify_pdf(handle.read(), (tmp_path / "signing" / "signing-cert.pem").read_bytes())
    assert result.intact and result.valid


def test_the_key_is_private_named_as_asked_and_kept_when_run_again(tmp_path, capsys):
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    from django.core.management import call_command

    folder = tmp_path / "keys" / "signing"
    call_command("make_signing_key", str(folder), "--name", "IUT de Chartres (test)")
    key, cert = folder / "signing-key.pem", folder / "signing-cert.pem"
    assert capsys.readouterr().out.splitlines() == [
        f"MATRICULE_SIGNING_KEY={key}",
        f"MATRICULE_SIGNING_CERT={cert}",
    ]
    assert key.stat().st_mode & 0o777 == 0o600
    subject = x509.load_pem_x509_certificate(cert.read_bytes()).subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "IUT de Chartres (test)"
    before = key.read_bytes(), cert.read_bytes()
    call_command("make_signing_key", str(folder))
    assert (key.read_bytes(), cert.read_bytes()) == before  # an existing key is never replaced
