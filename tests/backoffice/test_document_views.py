# ruff: noqa: F811 - fixtures imported from the documents tests are used as arguments
"""The back office's document review (/gestion/pieces/, /gestion/fichier/): the queue, the review
screen where agents validate or refuse each document, claims, and who may see the files."""

import pytest
from django.core import mail

from matricule.documents import services
from matricule.documents.models import RefusalReason, Submission
from tests.documents.conftest import pdf_bytes, png_bytes, private_media, registered, upload_file  # noqa: F401


def _submit_all(registration):
    for submission in registration.submissions.all():
        content = pdf_bytes(2) if submission.document_type.code == "bac" else png_bytes()
        services.upload(submission, upload_file(content=content), actor=registration.student.user)


def test_agent_refuses_with_reason_student_replaces_agent_validates_all(
    client, registered, iut_agent, django_capture_on_commit_callbacks
):
    _submit_all(registered)
    client.force_login(iut_agent)
    queue = client.get("/gestion/pieces/").content.decode()
    assert f"/gestion/pieces/{registered.pk}/" in queue
    photo = registered.submissions.get(document_type__code="photo")
    reason = RefusalReason.objects.first()
    # A refusal needs a reason.
    client.post(f"/gestion/pieces/{registered.pk}/", {"submission": photo.pk, "decision": "refuse"})
    photo.refresh_from_db()
    assert photo.status == Submission.Status.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/gestion/pieces/{registered.pk}/",
            {"submission": photo.pk, "decision": "refuse", "reason": reason.pk, "comment": "Photo floue"},
        )
    photo.refresh_from_db()
    assert photo.status == Submission.Status.REFUSED and photo.reviewed_by == iut_agent
    assert "Photo floue" in mail.outbox[-1].body and reason.label_fr in mail.outbox[-1].body

    student = client.__class__()
    student.force_login(registered.student.user)
    page = student.get(f"/inscription/{registered.pk}/pieces/").content.decode()
    assert "Photo floue" in page
    student.post(f"/inscription/{registered.pk}/pieces/{photo.pk}/", {"file": upload_file()})
    photo.refresh_from_db()
    assert photo.status == Submission.Status.SUBMITTED and photo.versions.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        for submission in registered.submissions.all():
            client.post(
                f"/gestion/pieces/{registered.pk}/", {"submission": submission.pk, "decision": "validate"}
            )
    assert services.documents_complete(registered)
    assert "certificat" in mail.outbox[-1].subject.lower()
    status = student.get(f"/inscription/{registered.pk}/").content.decode()
    assert "certificat de scolarité est disponible" in status
    from matricule.audit.models import Event

    assert Event.objects.filter(action="documents.validated", actor=iut_agent).count() == 5


def test_opening_a_students_document_is_kept(staff_client, registered, iut_agent):
    from matricule.audit.models import Event

    _submit_all(registered)
    version = registered.submissions.first().versions.get()
    assert staff_client(iut_agent).get(f"/gestion/fichier/{version.pk}/").status_code == 200
    opened = Event.objects.get(action="documents.file_opened")
    assert opened.actor == iut_agent and opened.data["version"] == version.pk
    assert opened.component_id == registered.stage.programme.component_id


def test_other_component_agents_and_other_students_get_404(client, registered, other_agent, intruder):
    _submit_all(registered)
    version = registered.submissions.first().versions.get()
    client.force_login(other_agent)
    for url in (
        f"/gestion/pieces/{registered.pk}/",
        f"/gestion/fichier/{version.pk}/",
        f"/gestion/fichier/{version.pk}/page/1.png",
    ):
        assert client.get(url).status_code == 404
    assert f"/gestion/pieces/{registered.pk}/" not in client.get("/gestion/pieces/").content.decode()
    for url in (
        f"/inscription/{registered.pk}/pieces/",
        f"/inscription/{registered.pk}/pieces/fichier/{version.pk}/",
        f"/gestion/fichier/{version.pk}/",
    ):
        assert intruder.get(url).status_code in (404, 302)
    assert intruder.get(f"/inscription/{registered.pk}/pieces/fichier/{version.pk}/").status_code == 404


def test_two_agents_never_review_the_same_registration(client, registered, iut_agent, demo):
    from django.contrib.auth import get_user_model

    from matricule.accounts.models import ComponentMembership

    _submit_all(registered)
    colleague = get_user_model().objects.create(username="agent2")
    ComponentMembership.objects.create(user=colleague, component=registered.stage.programme.component)
    client.force_login(iut_agent)
    assert client.get(f"/gestion/pieces/{registered.pk}/").status_code == 200
    other = client.__class__()
    other.force_login(colleague)
    assert other.get(f"/gestion/pieces/{registered.pk}/").status_code == 302  # claimed: back to queue


def test_review_screen_queries_are_bounded(client, registered, iut_agent, django_assert_max_num_queries):
    _submit_all(registered)
    client.force_login(iut_agent)
    with django_assert_max_num_queries(25):
        response = client.get(f"/gestion/pieces/{registered.pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/gestion/pieces/", "/gestion/fichier/1/"])
def test_back_office_needs_a_staff_login(client, registered, path):
    client.force_login(registered.student.user)
    response = client.get(path)
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response.url.startswith("/gestion/connexion/")


def test_staff_login_is_rate_limited(client, demo):
    """Failures slow the sign-in down (never a lock: see tests/accounts/test_staff_views.py)."""
    for attempt in range(11):
        client.post(
            "/gestion/connexion/",
            {"username": "agent.chartres", "password": "wrong"},
            REMOTE_ADDR=f"192.0.2.{attempt}",
        )
    response = client.post(
        "/gestion/connexion/", {"username": "agent.chartres", "password": "matricule-agent"}
    )
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


def test_the_reviewer_notes_when_an_identity_document_expires(client, registered, iut_agent):
    import datetime

    _submit_all(registered)
    client.force_login(iut_agent)
    identity = registered.submissions.get(document_type__code="identity")
    page = client.get(f"/gestion/pieces/{registered.pk}/").content.decode()
    assert f'id="valid-until-{identity.pk}"' in page
    client.post(
        f"/gestion/pieces/{registered.pk}/",
        {"submission": identity.pk, "decision": "validate", "valid_until": "2031-03-14"},
    )
    identity.refresh_from_db()
    assert identity.status == Submission.Status.VALIDATED
    assert identity.valid_until == datetime.date(2031, 3, 14)


def test_agents_see_stored_previews_of_each_page_and_a_notice_when_none_could_be_made(
    client, registered, iut_agent
):
    from matricule.documents.models import Preview

    _submit_all(registered)
    bac = registered.submissions.get(document_type__code="bac").versions.get()
    client.force_login(iut_agent)
    response = client.get(f"/gestion/fichier/{bac.pk}/page/2.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert Preview.objects.filter(version=bac).count() == 2  # made once, kept
    assert client.get(f"/gestion/fichier/{bac.pk}/page/3.png").status_code == 404
    bac.__class__.objects.filter(pk=bac.pk).update(preview_error="memory")
    other = registered.submissions.exclude(document_type__code="bac").first().versions.get()
    other.__class__.objects.filter(pk=other.pk).update(preview_error="memory")
    page = client.get(f"/gestion/pieces/{registered.pk}/").content.decode()
    assert "No preview could be made of this file" in page or "Aucun aperçu" in page


def test_the_review_screen_names_the_grant_and_counts_pages_in_words(client, registered, iut_agent):
    _submit_all(registered)  # the baccalaureate diploma has 2 pages
    registered.cleaned = {**registered.cleaned, "social": {"grant": "none"}}
    registered.save(update_fields=["cleaned"])
    photo = registered.submissions.get(document_type__code="photo")
    services.upload(photo, upload_file(content=pdf_bytes(1)), actor=registered.student.user)
    client.force_login(iut_agent)
    page = client.get(f"/gestion/pieces/{registered.pk}/").content.decode()
    assert "<dd>Pas de bourse</dd>" in page and "<dd>none</dd>" not in page
    assert "Ouvrir le PDF (2 pages)" in page and "Ouvrir le PDF (1 page)" in page


def test_a_reader_sees_the_documents_status_not_the_documents(staff_client, registered, auditor):
    _submit_all(registered)
    version = registered.submissions.first().versions.get()
    client = staff_client(auditor)
    page = client.get(f"/gestion/pieces/{registered.pk}/").content.decode()
    assert "vous voyez l&#x27;état de la pièce" in page or "vous voyez l'état de la pièce" in page
    assert f"/gestion/fichier/{version.pk}/" not in page
    assert client.get(f"/gestion/fichier/{version.pk}/").status_code == 403
    assert client.get(f"/gestion/fichier/{version.pk}/page/1.png").status_code == 403


def test_with_htmx_a_decision_answers_with_the_documents_only_and_the_next_one_current(
    client, registered, iut_agent
):
    _submit_all(registered)
    client.force_login(iut_agent)
    url = f"/gestion/pieces/{registered.pk}/"
    page = client.get(url).content.decode()
    waiting = list(registered.submissions.order_by("pk").values_list("pk", flat=True))
    # The page says its single keys, and the first document waiting carries them.
    assert 'aria-keyshortcuts="v"' in page and 'aria-keyshortcuts="n"' not in page  # no next file
    assert "js/review-keys.js" in page and 'id="review-keys-on"' in page

    first = registered.submissions.get(pk=waiting[0])
    answer = client.post(url, {"submission": first.pk, "decision": "validate"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    fragment = answer.content.decode()
    assert fragment.lstrip().startswith("<div") and "<html" not in fragment  # the column, not a page
    assert 'id="review-documents"' in fragment
    first.refresh_from_db()
    assert first.status == Submission.Status.VALIDATED
    current = fragment.split("data-current", 1)[0].rsplit('aria-labelledby="rd-', 1)[1]
    assert current.startswith(f'{waiting[1]}"')  # the next document waiting is the current one
    assert "1 décision prise pendant cette session" in fragment

    reason = RefusalReason.objects.first()
    answer = client.post(
        url, {"submission": waiting[1], "decision": "refuse", "reason": reason.pk}, HTTP_HX_REQUEST="true"
    )
    assert "2 décisions prises pendant cette session" in answer.content.decode()
    # The claim is kept between decisions: the file is still the agent's.
    registered.refresh_from_db()
    assert registered.review_claim.agent == iut_agent


def test_with_htmx_a_refusal_without_reason_says_so_in_the_column(client, registered, iut_agent):
    _submit_all(registered)
    client.force_login(iut_agent)
    photo = registered.submissions.get(document_type__code="photo")
    answer = client.post(
        f"/gestion/pieces/{registered.pk}/",
        {"submission": photo.pk, "decision": "refuse"},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    assert 'role="alert"' in answer.content.decode() and "motif" in answer.content.decode()
    photo.refresh_from_db()
    assert photo.status == Submission.Status.SUBMITTED


def test_with_htmx_a_file_taken_by_another_agent_sends_the_browser_to_the_queue(
    client, registered, iut_agent, demo
):
    from matricule.accounts.models import ComponentMembership, User

    _submit_all(registered)
    colleague = User.objects.create_user("colleague", password="x", is_staff=True)
    ComponentMembership.objects.create(
        user=colleague, component=registered.stage.programme.component, role=ComponentMembership.Role.AGENT
    )
    assert services.claim(registered, colleague)
    client.force_login(iut_agent)
    photo = registered.submissions.get(document_type__code="photo")
    answer = client.post(
        f"/gestion/pieces/{registered.pk}/",
        {"submission": photo.pk, "decision": "validate"},
        HTTP_HX_REQUEST="true",
    )
    assert answer["HX-Redirect"] == "/gestion/pieces/"
    photo.refresh_from_db()
    assert photo.status == Submission.Status.SUBMITTED
