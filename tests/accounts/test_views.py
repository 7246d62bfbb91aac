"""The admission login's pages (accounts.views): Parcoursup number, date of birth and email, then a
single-use connection link by email."""

import datetime
import re

import pytest
import time_machine

from matricule.accounts.models import LoginLink

LOGIN = "/connexion/"
GOOD = {"number": "P240012345", "birth_date": "2006-03-14", "email": "chloe.lefevre@EXAMPLE.org"}


def post(client, data, address="203.0.113.7"):
    return client.post(LOGIN, data, REMOTE_ADDR=address)


def link_from(outbox) -> str:
    match = re.search(r"https?://\S+/connexion/lien/(\S+)/", outbox[-1].body)
    assert match, outbox[-1].body
    return match.group(1)


def test_login_page_asks_for_the_three_details(client, demo):
    page = client.get(LOGIN).content.decode()
    for label in ("Numéro Parcoursup", "Date de naissance", "Adresse électronique"):
        assert label in page


def test_matching_details_send_a_single_use_link_by_email(
    client, new_student, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, GOOD)
    assert response.status_code == 302 and response.url == "/connexion/envoye/"
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == ["Chloe.Lefevre@example.org"]
    assert "lien de connexion" in message.body and "connection link" in message.body
    assert "ignore" in message.body  # says what to do if the student did not ask
    token = link_from(outbox)
    assert len(token) >= 43  # 256 random bits, URL-safe
    link = LoginLink.objects.get()
    assert link.token_hash != token and len(link.token_hash) == 64
    assert token not in link.candidate.email
    from matricule.notifications.models import Email

    assert token not in Email.objects.get(kind="login_link").body


@pytest.mark.parametrize("number", ["240012345", "P240012345", "p240012345", " P240012345 "])
def test_number_with_or_without_p_and_date_typed_as_french_date(
    client, new_student, outbox, immediate_tasks, django_capture_on_commit_callbacks, number
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, {**GOOD, "number": number, "birth_date": "14/03/2006"})
    assert len(outbox) == 1


def _normalise(response) -> str:
    html = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_the_answer_is_the_same_whether_or_not_the_details_match(
    client, new_student, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        matching = post(client, GOOD)
    other = client.__class__()
    with django_capture_on_commit_callbacks(execute=True):
        not_matching = post(other, {**GOOD, "birth_date": "2006-03-15"}, address="198.51.100.9")
    assert (matching.status_code, matching.url) == (not_matching.status_code, not_matching.url)
    assert set(matching.headers) == set(not_matching.headers)
    assert _normalise(client.get(matching.url)) == _normalise(other.get(not_matching.url))
    assert len(outbox) == 1  # only the real candidate got an email


def test_bad_input_keeps_what_was_typed_and_says_what_is_wrong(client, demo):
    response = post(
        client, {"number": "ABC", "birth_date": "31/02/2006", "email": "chloe.lefevre@example.org"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "chiffres" in page  # the Parcoursup number rule, in French
    assert "date" in page.lower()
    assert 'value="ABC"' in page and 'value="chloe.lefevre@example.org"' in page


def test_sixth_attempt_for_a_number_is_refused_even_from_a_new_address(client, new_student):
    bad = {**GOOD, "birth_date": "2001-01-01"}
    for attempt in range(5):
        assert post(client, bad, address=f"192.0.2.{attempt}").status_code == 302
    sixth = post(client, GOOD, address="198.51.100.200")
    assert sixth.status_code == 429
    assert "Trop de tentatives" in sixth.content.decode()
    assert not LoginLink.objects.exists()


def test_another_students_attempts_from_the_same_address_are_not_blocked(
    client, new_student, classmate, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    for _ in range(6):
        post(client, {**GOOD, "birth_date": "2001-01-01"})
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client, {"number": "240099999", "birth_date": "02/05/2006", "email": "lea.martin@example.org"}
        )
    assert response.status_code == 302
    assert outbox[-1].to == ["lea.martin@example.org"]


def test_many_failures_from_one_address_lock_that_address(client, demo, settings):
    settings.MATRICULE_THROTTLES = {**settings.MATRICULE_THROTTLES, "admission_address": (3, 900, 900)}
    for number in ("1111111", "2222222", "3333333"):
        post(client, {**GOOD, "number": number})
    assert post(client, {**GOOD, "number": "4444444"}).status_code == 429


def test_link_logs_in_once_and_expires_after_ten_minutes(
    client, new_student, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, GOOD)
    token = link_from(outbox)
    url = f"/connexion/lien/{token}/"
    assert client.get(url).status_code == 200  # shows a button; a mail scanner's GET uses nothing
    response = client.post(url)
    assert response.status_code == 302 and response.url == "/etudiant/"
    home = client.get("/etudiant/")
    assert home.status_code == 200 and "LEFÈVRE" in home.content.decode()
    second = client.__class__().post(url)
    assert second.status_code == 410 and "déjà été utilisé" in second.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        post(client.__class__(), GOOD, address="192.0.2.77")
    late_token = link_from(outbox)
    with time_machine.travel(datetime.timedelta(minutes=11)):
        late = client.__class__().post(f"/connexion/lien/{late_token}/")
    assert late.status_code == 410 and "expiré" in late.content.decode()


def test_unknown_link_is_refused(client, demo):
    response = client.get("/connexion/lien/not-a-real-token/")
    assert response.status_code == 410


def test_login_page_before_opening_says_when_it_opens(client, demo):
    from matricule.institution.models import RegistrationWindow

    year = demo.current_year
    RegistrationWindow.objects.filter(academic_year=year).delete()
    from django.utils import timezone

    RegistrationWindow.objects.create(
        academic_year=year,
        population="first_main",
        opens_at=timezone.now() + datetime.timedelta(days=3),
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )
    page = client.get(LOGIN).content.decode()
    assert "ouvre le" in page and "<form" not in page.split("<main")[1]


def test_login_page_after_closing_shows_registrar_contacts(client, demo):
    from django.utils import timezone

    from matricule.institution.models import RegistrationWindow

    RegistrationWindow.objects.filter(academic_year=demo.current_year).update(
        opens_at=timezone.now() - datetime.timedelta(days=30),
        closes_at=timezone.now() - datetime.timedelta(days=1),
    )
    page = client.get(LOGIN).content.decode()
    assert "scolarite.iut28@univ-orleans.fr" in page


def test_logout(client, new_student):
    from matricule.accounts.admission_login import user_for_candidate

    client.force_login(user_for_candidate(new_student))
    assert client.get("/deconnexion/").status_code == 405
    client.post("/deconnexion/")
    assert client.get("/etudiant/").status_code == 302
