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


def test_after_many_failures_right_details_still_get_their_link_with_the_same_answer_as_a_miss(
    client, new_student, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    bad = {**GOOD, "birth_date": "2001-01-01"}
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for attempt in range(50):
            post(client.__class__(), bad, address=f"192.0.2.{attempt}")
        miss = post(client.__class__(), bad, address="198.51.100.200")
        with django_capture_on_commit_callbacks(execute=True):
            match = post(client, GOOD, address="198.51.100.201")
    assert match.status_code == miss.status_code == 429
    assert match.headers["Retry-After"] == miss.headers["Retry-After"]
    assert int(match.headers["Retry-After"]) <= 300
    typed = re.compile(r'value="[^"]*"')  # each page shows what was typed in it
    assert typed.sub("", _normalise(match)) == typed.sub("", _normalise(miss))
    page = match.content.decode()
    assert "Trop de tentatives" in page
    assert "tout de même été envoyé" in page  # the right details got their link
    assert 'value="P240012345"' in page and 'value="chloe.lefevre@EXAMPLE.org"' in page  # kept
    assert len(outbox) == 1 and outbox[0].to == ["Chloe.Lefevre@example.org"]
    assert LoginLink.objects.count() == 1


def test_the_wait_grows_and_is_said_in_seconds_then_minutes(client, new_student):
    bad = {**GOOD, "birth_date": "2001-01-01"}
    now = datetime.datetime.now(tz=datetime.UTC)
    answers, slowed = [], []
    while len(slowed) < 5:  # each time as soon as the page says
        with time_machine.travel(now, tick=False):
            response = post(client, bad)
        answers.append(response.status_code)
        if response.status_code == 429:
            slowed.append(response)
            now += datetime.timedelta(seconds=int(response.headers["Retry-After"]))
    assert answers[:5] == [302, 302, 302, 302, 429]  # 3 failures free, the 4th starts a delay
    assert [int(r.headers["Retry-After"]) for r in slowed] == [10, 20, 40, 80, 160]
    pages = [r.content.decode() for r in slowed]
    assert re.search(r"10 seconde?s", pages[0]) and re.search(r"80 seconde?s", pages[3])
    assert "3 minutes" in pages[4]  # past a minute and a half, in minutes (rounded up)


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


def test_many_failures_from_one_address_slow_it_down_without_refusing_right_details(
    client, new_student, classmate, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    for n in range(40):  # someone at the lycée tries numbers at random
        post(client, {**GOOD, "number": f"25{n:07d}"})
    with django_capture_on_commit_callbacks(execute=True):
        lea = post(
            client, {"number": "240099999", "birth_date": "02/05/2006", "email": "lea.martin@example.org"}
        )
    assert lea.status_code == 429 and "tout de même été envoyé" in lea.content.decode()
    assert outbox[-1].to == ["lea.martin@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, GOOD, address="198.51.100.1").status_code == 302  # another address
    assert outbox[-1].to == ["Chloe.Lefevre@example.org"]


def test_an_older_link_says_a_newer_one_was_sent(
    client, new_student, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            post(client, GOOD)
    first, second = (re.search(r"/connexion/lien/(\S+)/", m.body).group(1) for m in outbox)
    page = client.get(f"/connexion/lien/{first}/")
    assert page.status_code == 410 and "lien de connexion plus récent" in page.content.decode()
    assert client.post(f"/connexion/lien/{first}/").status_code == 410
    assert client.post(f"/connexion/lien/{second}/").status_code == 302
    assert "dernier courriel" in client.get("/connexion/envoye/").content.decode()


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
