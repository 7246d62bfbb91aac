"""Issue 7 in a browser: download the certificate, read its QR code back, check it online,
and see it revoked once the registration is cancelled."""

import io

import pytest

from matricule.documents import services as documents
from tests.documents.conftest import png_bytes, upload_file
from tests.payments.conftest import submitted_registration

from .axe import assert_accessible
from .test_registration import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def qr_url(pdf: bytes) -> str:
    import pypdfium2
    import zxingcpp

    image = pypdfium2.PdfDocument(io.BytesIO(pdf))[0].render(scale=200 / 72).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert codes, "no QR code found on the certificate"
    return codes[0].text


def test_certificate_qr_code_verifies_then_is_revoked(
    page, live_server, demo, demo_candidates, iut_agent, live_site
):
    chloe = demo_candidates["accepted"]
    registration = submitted_registration(chloe, demo.current_year, grant="crous")
    for submission in registration.submissions.all():
        documents.upload(submission, upload_file(content=png_bytes()), actor=registration.student.user)
        documents.decide(submission, agent=iut_agent, validate=True)

    log_in(page, live_server, chloe)
    page.goto(f"/inscription/{registration.pk}/")
    page.get_by_role("link", name="Mon certificat de scolarité").click()
    page.wait_for_url(f"**/inscription/{registration.pk}/certificat/")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le certificat (PDF, français)").click()
    pdf = download.value.path().read_bytes()
    url = qr_url(pdf)
    assert url.startswith(live_server.url + "/verifier/")

    checker = page.context.browser.new_context(base_url=live_server.url).new_page()
    checker.goto(url)
    assert "Authentique et valide" in checker.content()
    assert "LEFÈVRE" in checker.content()
    assert_accessible(checker)

    from matricule.registration.services import cancel_registration

    cancel_registration(registration, actor=iut_agent, reason="Désistement")
    checker.goto(url)
    assert "Révoqué" in checker.content()
    checker.context.close()
