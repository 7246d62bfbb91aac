"""Digital signatures of the issued PDFs: PAdES with pyHanko, keys and certificates as PEM bytes.

sign_pdf appends an invisible signature to a PDF as an incremental update, so a PDF reader shows who
signed it and whether it changed since. generate_self_signed makes the demo's key and certificate;
a real deployment uses a certificate from a trusted authority. verify_pdf checks a signature against
a given certificate, offline.
"""

import datetime
import functools
import io
import logging
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils.translation import gettext as _
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, SimpleSigner
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

logger = logging.getLogger(__name__)

FIELD_NAME = "Signature"
VALIDITY = datetime.timedelta(days=3 * 365)
SIGNATURE_OVERHEAD = 4096  # bytes of the CMS signature besides the certificates


@dataclass(frozen=True)
class VerificationResult:
    intact: bool  # the signed bytes are unchanged
    valid: bool  # intact, signed by a trusted certificate, and no disallowed change after signing
    signer: str  # common name of the signing certificate, "" if there is no readable signature


def _load_certs(pem: bytes) -> list[asn1_x509.Certificate]:
    return list(load_certs_from_pemder_data(pem)) if pem.strip() else []


@functools.lru_cache(maxsize=4)
def _signer(
    key_pem: bytes, cert_pem: bytes, chain_pem: bytes, key_password: bytes | None
) -> tuple[SimpleSigner, int]:
    """The signer, parsed once per key (the same key signs every document), and the room to reserve
    for its signature in the PDF."""
    certs, chain = _load_certs(cert_pem), _load_certs(chain_pem)
    if len(certs) != 1:
        raise ValueError(f"cert_pem must hold exactly one certificate, not {len(certs)}")
    signer = SimpleSigner(
        signing_cert=certs[0],
        signing_key=load_private_key_from_pemder_data(key_pem, passphrase=key_password),
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )
    # Without it, pyHanko signs a first time only to measure the signature: half the signing time.
    # The certificates are embedded; the rest (signed attributes, a signature of up to 512 bytes
    # for RSA 4096, the CMS structure) stays well within SIGNATURE_OVERHEAD. Twice: it is written
    # in hexadecimal.
    return signer, 2 * (SIGNATURE_OVERHEAD + sum(len(cert.dump()) for cert in certs + chain))


def sign_pdf(
    pdf_bytes: bytes,
    *,
    key_pem: bytes,
    cert_pem: bytes,
    chain_pem: bytes = b"",
    reason: str | None = None,
    location: str | None = None,
    key_password: bytes | None = None,
) -> bytes:
    """pdf_bytes with an invisible PAdES (B-B) signature in a field named "Signature".

    chain_pem holds the intermediate certificates, embedded so that a reader can build the path to
    the authority it trusts. reason defaults to a label in the active language.
    """
    metadata = PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason if reason is not None else _("Official document issued by the university"),
        location=location or None,
    )
    signer, reserved = _signer(key_pem, cert_pem, chain_pem, key_password)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
    return _outside_event_loop(
        lambda: PdfSigner(metadata, signer).sign_pdf(writer, bytes_reserved=reserved).getvalue()
    )


def _outside_event_loop(call):
    """pyHanko's synchronous API runs its own event loop (asyncio.run), which fails in a thread
    where one is already running (an ASGI server, Playwright's sync API in tests): run it in a
    worker thread then."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def generate_self_signed(common_name: str, organisation: str) -> tuple[bytes, bytes]:
    """(key_pem, cert_pem): a P-256 key and a self-signed certificate valid for 3 years.

    For the demo only: a reader shows the signature but cannot trust it unless told to.
    P-256 rather than RSA: pyHanko parses the key again for every signature, and loading an RSA key
    checks it, which takes longer than the signature itself.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    # A little in the past, for clocks running slightly behind.
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def _common_name(cert: asn1_x509.Certificate | None) -> str:
    if cert is None:
        return ""
    return cert.subject.native.get("common_name") or cert.subject.human_friendly


def verify_pdf(pdf_bytes: bytes, trust_cert_pem: bytes) -> VerificationResult:
    """Whether every signature of the PDF is intact and made with a certificate that chains to one
    of trust_cert_pem, without fetching anything (no revocation check: there is no network)."""
    try:
        signatures = PdfFileReader(io.BytesIO(pdf_bytes), strict=False).embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as error:
        # A file too damaged to read is not a verified document, whatever the damage.
        logger.info("Unreadable PDF: %s", error)
        return VerificationResult(intact=False, valid=False, signer="")
    if not signatures:
        return VerificationResult(intact=False, valid=False, signer="")
    context = ValidationContext(trust_roots=_load_certs(trust_cert_pem), allow_fetching=False)
    intact = valid = True
    signer = ""
    for signature in signatures:
        try:
            status = _outside_event_loop(lambda sig=signature: validate_pdf_signature(sig, context))
        except (PdfError, SignatureValidationError, ValueError, KeyError, TypeError) as error:
            logger.info("Signature %s could not be validated: %s", signature.field_name, error)
            return VerificationResult(intact=False, valid=False, signer=signer)
        signer = signer or _common_name(status.signing_cert)
        intact = intact and status.intact
        valid = valid and status.bottom_line
    return VerificationResult(intact=intact, valid=valid, signer=signer)
