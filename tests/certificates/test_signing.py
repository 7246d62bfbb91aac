"""PAdES signatures of the certificates: made with pyHanko, checked with pyHanko's validator, offline."""

import datetime
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pypdf import PdfReader

from matricule.certificates.certificate_pdf import render_certificate
from matricule.certificates.signing import VerificationResult, generate_self_signed, sign_pdf, verify_pdf
from tests.certificates.pdfs import certificate


@pytest.fixture(scope="module")
def university():
    return generate_self_signed("Université d'Orléans – Scolarité", "Université d'Orléans")


@pytest.fixture(scope="module")
def impostor():
    return generate_self_signed("Université d'Orléans – Scolarité", "Université d'Orléans")


@pytest.fixture(scope="module")
def unsigned():
    return render_certificate(certificate(language="en"))


@pytest.fixture(scope="module")
def signed(unsigned, university):
    key_pem, cert_pem = university
    return sign_pdf(unsigned, key_pem=key_pem, cert_pem=cert_pem, location="Chartres")


def flip(pdf: bytes, position: int) -> bytes:
    changed = bytearray(pdf)
    changed[position] ^= 0x01
    return bytes(changed)


def test_self_signed_certificate(university):
    _key_pem, cert_pem = university
    cert = x509.load_pem_x509_certificate(cert_pem)
    assert cert.subject == cert.issuer
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment  # content_commitment: nonRepudiation
    assert not usage.key_cert_sign
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert datetime.timedelta(days=3 * 365 - 1) <= lifetime <= datetime.timedelta(days=3 * 366)


def test_signed_pdf_verifies(signed, university):
    result = verify_pdf(signed, university[1])
    assert result.intact
    assert result.valid
    assert result.signer == "Université d'Orléans – Scolarité"


def test_signature_is_pades_in_a_field_and_the_text_stays_readable(signed, unsigned):
    reader = PdfReader(io.BytesIO(signed))
    field = reader.get_fields()["Signature"]
    assert field["/FT"] == "/Sig"
    assert field["/V"]["/SubFilter"] == "/ETSI.CAdES.detached"
    assert field["/V"]["/Location"] == "Chartres"
    assert "LEFÈVRE Chloé" in reader.pages[0].extract_text()
    # An incremental update: the original bytes come first, unchanged.
    assert signed.startswith(unsigned)


def test_flipping_one_byte_of_the_page_content_breaks_it(signed, unsigned, university):
    reader = PdfReader(io.BytesIO(unsigned))
    contents = reader.pages[0]["/Contents"].indirect_reference
    start = unsigned.index(b"stream", unsigned.index(f"\n{contents.idnum} 0 obj".encode()))
    result = verify_pdf(flip(signed, start + 40), university[1])
    assert not result.intact
    assert not result.valid


def test_editing_the_serial_in_the_metadata_breaks_it(signed, university):
    # Same length, plain text: what a forger could do with a text editor.
    forged = signed.replace(b"(Enrolment certificate no. K7QM", b"(Enrolment certificate no. K7QN", 1)
    assert forged != signed
    result = verify_pdf(forged, university[1])
    assert not result.intact
    assert not result.valid


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_flipping_a_byte_anywhere_in_the_signed_part_breaks_it(signed, unsigned, university, where):
    assert not verify_pdf(flip(signed, int(len(unsigned) * where)), university[1]).valid


def test_signed_with_another_key_does_not_validate_against_the_first_certificate(
    unsigned, university, impostor
):
    key_pem, cert_pem = impostor  # same names, other key
    forged = sign_pdf(unsigned, key_pem=key_pem, cert_pem=cert_pem)
    result = verify_pdf(forged, university[1])
    assert result.intact  # well signed…
    assert not result.valid  # …but not by us
    assert verify_pdf(forged, cert_pem).valid


def test_unsigned_or_unreadable_pdf(unsigned, university):
    assert verify_pdf(unsigned, university[1]) == VerificationResult(intact=False, valid=False, signer="")
    assert not verify_pdf(b"not a PDF at all", university[1]).valid


def test_reason_given_by_the_caller(unsigned, university):
    key_pem, cert_pem = university
    signed = sign_pdf(unsigned, key_pem=key_pem, cert_pem=cert_pem, reason="Certificat de scolarité")
    reader = PdfReader(io.BytesIO(signed))
    assert reader.get_fields()["Signature"]["/V"]["/Reason"] == "Certificat de scolarité"
    assert verify_pdf(signed, cert_pem).valid


def issue(subject: str, issuer_name: x509.Name | None, issuer_key, *, ca: bool, key=None):
    """A certificate for subject, signed by issuer_key (self-signed when issuer_name is None)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    usage = dict.fromkeys(
        ["key_encipherment", "data_encipherment", "key_agreement", "encipher_only", "decipher_only"], False
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca, content_commitment=not ca, key_cert_sign=ca, crl_sign=ca, **usage
            ),
            critical=True,
        )
        .sign(issuer_key or key, hashes.SHA256())
    )
    return key, cert


def pem(cert=None, key=None) -> bytes:
    if key is not None:
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    return cert.public_bytes(serialization.Encoding.PEM)


def test_certificate_from_an_authority_with_an_intermediate_and_an_rsa_key(unsigned):
    # What production looks like: the university's RSA certificate issued by an intermediate
    # authority, the reader trusting only the root.
    root_key, root = issue("Test Root CA", None, None, ca=True)
    intermediate_key, intermediate = issue("Test Signing CA", root.subject, root_key, ca=True)
    leaf_key, leaf = issue(
        "Université d'Orléans",
        intermediate.subject,
        intermediate_key,
        ca=False,
        key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )
    signed = sign_pdf(unsigned, key_pem=pem(key=leaf_key), cert_pem=pem(leaf), chain_pem=pem(intermediate))
    assert verify_pdf(signed, pem(root)) == VerificationResult(
        intact=True, valid=True, signer="Université d'Orléans"
    )
    # Without the intermediate in the PDF, the reader cannot link the signer to the root.
    bare = sign_pdf(unsigned, key_pem=pem(key=leaf_key), cert_pem=pem(leaf))
    assert not verify_pdf(bare, pem(root)).valid
