"""The continuing student's pages (matricule.registration.reregistration_views): what they may do
this year, re-registration in a few clicks, and the connection link for never-activated accounts."""

import pytest
from django.urls import reverse

from matricule.demo.continuing import cvec_number_for
from matricule.registration.models import Registration, State
from tests.registration.conftest import continuing


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("emma", "Vous pouvez vous réinscrire en BUT2 GEII"),
        ("lucas", "Vous pouvez vous réinscrire pour redoubler BUT1 GEII"),
        ("manon", "Vous ne pouvez pas vous réinscrire en ligne"),
        ("theo", "Vous avez terminé votre formation"),
        ("jade", "Votre résultat de l'an dernier n'est pas encore connu"),
    ],
)
def test_the_home_page_says_what_the_student_may_do(client, demo, key, text):
    client.force_login(continuing(key).user)
    response = client.get(reverse("registration:home"))
    assert response.status_code == 200
    assert text in response.content.decode()


def test_re_registration_from_home_to_payment(client, demo):
    student = continuing("emma")
    client.force_login(student.user)
    response = client.post(reverse("registration:reregistration-start"))
    registration = Registration.objects.get(student=student, academic_year__is_current=True)
    assert response.url == reverse("registration:confirm", args=[registration.pk])
    page = client.get(response.url).content.decode()
    assert "12 rue du Bois Merrain" in page  # last year's address, shown to confirm
    response = client.post(reverse("registration:confirm", args=[registration.pk]))
    assert response.url == reverse("registration:step", args=[registration.pk, "cvec"])
    response = client.post(
        response.url, {"attestation": cvec_number_for(registration.academic_year, "emma"), "action": "next"}
    )
    assert response.url == reverse("registration:step", args=[registration.pk, "programme"])
    response = client.post(
        response.url,
        {
            "confirm_stage": "on",
            "photo_on_card": "yes",
            "accept_rules": "on",
            "accept_privacy": "on",
            "action": "next",
        },
    )
    assert response.url == reverse("registration:review", args=[registration.pk])
    review = client.get(response.url).content.decode()
    assert "Repris de votre inscription précédente" in review and "STI2D" in review  # carried blocks
    response = client.post(response.url)
    assert response.url == reverse("payments:pay", args=[registration.pk])
    registration.refresh_from_db()
    assert registration.state == State.AWAITING_PAYMENT and registration.fee_total_cents > 0


def test_a_never_activated_student_gets_a_link_with_student_number(
    client, demo, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    lucas = continuing("lucas")
    url = reverse("registration:student-login")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "number": lucas.student_number,
                "birth_date": lucas.birth_date.isoformat(),
                "email": lucas.user.email.upper(),
            },
        )
    assert response.status_code == 302
    assert len(outbox) == 1 and "/connexion/lien/" in outbox[0].body
    # A wrong birth date: the same answer, no email.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"number": lucas.student_number, "birth_date": "2001-01-01", "email": lucas.user.email}
        )
    assert response.status_code == 302 and len(outbox) == 1


def test_the_student_login_form_explains_bad_input_and_keeps_it(client, demo):
    response = client.post(
        reverse("registration:student-login"),
        {"number": "25000102", "birth_date": "31/02/2005", "email": "lucas"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Saisissez une date réelle" in page and 'value="25000102"' in page


def test_an_activated_student_gets_no_link(client, demo, outbox):
    emma = continuing("emma")
    client.post(
        reverse("registration:student-login"),
        {"number": emma.student_number, "birth_date": emma.birth_date.isoformat(), "email": emma.user.email},
    )
    assert outbox == []


def test_failures_slow_the_student_login_down_but_right_details_still_get_their_link(
    client, demo, immediate_tasks, outbox, django_capture_on_commit_callbacks
):
    """Strangers typing a student's number wrongly never lock the student out: after many
    failures the page answers 429 with when to try again, keeps what was typed, and details
    that match are sent their link all the same."""
    lucas = continuing("lucas")
    url = reverse("registration:student-login")
    wrong = {"number": lucas.student_number, "birth_date": "2000-01-01", "email": "x@example.org"}
    for _ in range(40):
        client.post(url, wrong)
    right = {
        "number": lucas.student_number,
        "birth_date": lucas.birth_date.isoformat(),
        "email": lucas.user.email,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, right)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "ralenties" in page and lucas.student_number in page
    assert [message.to for message in outbox] == [[lucas.user.email]]
