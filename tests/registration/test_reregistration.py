"""Re-registration of continuing students: offers by result, window, carried data, CVEC,
documents, additional registrations, and the connection link for never-activated accounts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from matricule.admissions.models import Result
from matricule.demo.continuing import cvec_number_for, student_number
from matricule.documents.models import Submission
from matricule.documents.services import sync_submissions
from matricule.institution.models import AcademicYear, Population, RegistrationWindow
from matricule.registration import reregistration
from matricule.registration.models import Kind, Registration, State, Student
from matricule.registration.reregistration import Outcome, WindowState
from matricule.registration.services import mark_paid, submit_registration
from matricule.registration.steps import steps_for


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def continuing(key: str) -> Student:
    from matricule.demo.continuing import CONTINUING

    suffix = next(spec[1] for spec in CONTINUING if spec[0] == key)
    previous = AcademicYear.objects.exclude(is_current=True).order_by("-starts_on").first()
    return Student.objects.select_related("user").get(student_number=student_number(previous, suffix))


@pytest.mark.parametrize(
    ("key", "outcome", "stage"),
    [
        ("emma", Outcome.NEXT, "GEII-2"),  # ADM
        ("sarah", Outcome.NEXT, "GEII-3"),  # AJAC
        ("lucas", Outcome.REPEAT, "GEII-1"),  # AJ
        ("yanis", Outcome.REPEAT, "GEA-1"),  # DEF
        ("manon", Outcome.DESK, None),  # EXC
        ("theo", Outcome.DONE, None),  # DIP
        ("jade", Outcome.NO_RESULT, None),  # no result yet
    ],
)
def test_what_each_result_offers(demo, key, outcome, stage):
    offer = reregistration.offer_for(continuing(key))
    assert offer.outcome == outcome
    assert (offer.stage.code if offer.stage else None) == stage
    assert offer.may_register == (stage is not None)


def test_passing_the_last_stage_leaves_nothing_to_reregister(demo):
    student = continuing("theo")
    Result.objects.filter(student_number=student.student_number).update(result="ADM")
    offer = reregistration.offer_for(student)
    assert offer.outcome == Outcome.DONE and offer.stage is None


def test_a_student_not_registered_last_year_has_no_offer(demo, demo_candidates):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="newcomer")
    assert reregistration.offer_for(Student.objects.create(user=user)).outcome == Outcome.NONE


def test_outside_the_window_the_offer_says_when_it_opens(demo):
    year = AcademicYear.objects.current()
    window = RegistrationWindow.objects.get(academic_year=year, population=Population.REREGISTRATION)
    opens = timezone.now() + datetime.timedelta(days=3)
    RegistrationWindow.objects.filter(pk=window.pk).update(
        opens_at=opens, closes_at=opens + datetime.timedelta(days=30)
    )
    offer = reregistration.offer_for(continuing("emma"))
    assert offer.window_state == WindowState.NOT_OPEN_YET and not offer.may_register
    assert offer.window.opens_at == opens
    with pytest.raises(reregistration.NotOffered):
        reregistration.start_reregistration(continuing("emma"), user=continuing("emma").user)


def test_a_component_window_wins_over_the_university_wide_one(demo):
    from matricule.institution.models import Component

    year = AcademicYear.objects.current()
    closed = RegistrationWindow.objects.create(
        academic_year=year,
        population=Population.REREGISTRATION,
        opens_at=timezone.now() - datetime.timedelta(days=60),
        closes_at=timezone.now() - datetime.timedelta(days=30),
    )
    closed.components.add(Component.objects.get(code="iut-chartres"))
    assert reregistration.offer_for(continuing("emma")).window_state == WindowState.CLOSED


def test_reregistration_creates_a_new_registration_and_leaves_last_years_untouched(demo):
    student = continuing("emma")
    last_year = Registration.objects.get(student=student)
    before = (last_year.state, last_year.stage_id, last_year.data, last_year.cleaned, last_year.updated_at)
    registration = reregistration.start_reregistration(student, user=student.user)
    assert registration.pk != last_year.pk
    assert registration.academic_year == AcademicYear.objects.current()
    assert registration.kind == Kind.REREGISTRATION and registration.stage.code == "GEII-2"
    last_year.refresh_from_db()
    assert (
        last_year.state,
        last_year.stage_id,
        last_year.data,
        last_year.cleaned,
        last_year.updated_at,
    ) == before
    # Starting again gives the same registration, not a second one.
    assert reregistration.start_reregistration(student, user=student.user).pk == registration.pk


def test_only_what_changes_each_year_is_asked(demo):
    student = continuing("emma")
    registration = reregistration.start_reregistration(student, user=student.user)
    assert [s.key for s in steps_for(registration)] == ["contacts", "social", "cvec", "programme"]
    assert registration.cleaned["identity"]["birth_town"] == "Chartres"
    assert registration.cleaned["baccalaureate"]["series"] == "STI2D"
    assert registration.data["contacts"]["street"] == "12 rue du Bois Merrain"
    assert "cvec" not in registration.data and "programme" not in registration.data


def test_unchanged_blocks_are_confirmed_in_one_go(demo):
    student = continuing("emma")
    registration = reregistration.start_reregistration(student, user=student.user)
    assert reregistration.confirm_unchanged(registration, actor=student.user) == []
    registration.refresh_from_db()
    assert {"contacts", "social"} <= set(registration.valid_steps)
    assert registration.cleaned["contacts"]["city"] == "Chartres"


def _complete(registration, student, key):
    from matricule.registration.services import save_step

    reregistration.confirm_unchanged(registration, actor=student.user)
    save_step(
        registration,
        "cvec",
        {"attestation": cvec_number_for(registration.academic_year, key)},
        actor=student.user,
    )
    save_step(
        registration,
        "programme",
        {"confirm_stage": "on", "photo_on_card": "yes", "accept_rules": "on", "accept_privacy": "on"},
        actor=student.user,
    )
    registration.refresh_from_db()
    return registration


def test_documents_still_valid_are_not_asked_again(demo):
    student = continuing("emma")
    registration = _complete(reregistration.start_reregistration(student, user=student.user), student, "emma")
    registration = submit_registration(registration, actor=student.user)
    registration = mark_paid(registration, actor=student.user)
    assert registration.state == State.REGISTERED
    by_code = {s.document_type.code: s for s in sync_submissions(registration)}
    # Identity, photo and baccalaureate were validated last year and do not expire.
    for code in ("identity", "photo", "bac"):
        assert by_code[code].status == Submission.Status.VALIDATED
        assert by_code[code].carried_from is not None
    # The CVEC attestation is asked every year.
    assert by_code["cvec"].status == Submission.Status.MISSING


def test_an_expired_document_is_asked_again(demo):
    student = continuing("emma")
    Submission.objects.filter(registration__student=student, document_type__code="identity").update(
        valid_until=datetime.date(2000, 1, 1)
    )
    registration = _complete(reregistration.start_reregistration(student, user=student.user), student, "emma")
    registration = mark_paid(submit_registration(registration, actor=student.user), actor=student.user)
    by_code = {s.document_type.code: s for s in sync_submissions(registration)}
    assert by_code["identity"].status == Submission.Status.MISSING


def test_the_cvec_is_never_asked_twice_in_a_year(demo):
    student = continuing("emma")
    registration = _complete(reregistration.start_reregistration(student, user=student.user), student, "emma")
    mark_paid(submit_registration(registration, actor=student.user), actor=student.user)
    stages = reregistration.additional_stages(student)
    assert [s.code for s in stages] == ["LINFO-1"]
    additional = reregistration.start_additional(student, stages.get(), user=student.user)
    assert additional.kind == Kind.ADDITIONAL
    assert [s.key for s in steps_for(additional)] == ["programme"]
    assert additional.cleaned["cvec"] == registration.cleaned["cvec"]


def test_an_additional_registration_pays_the_reduced_rate_and_shares_the_documents(demo):
    from matricule.documents.services import documents_complete
    from matricule.registration.services import save_step

    student = continuing("emma")
    main = _complete(reregistration.start_reregistration(student, user=student.user), student, "emma")
    main = mark_paid(submit_registration(main, actor=student.user), actor=student.user)
    sync_submissions(main)
    additional = reregistration.start_additional(
        student, reregistration.additional_stages(student).get(), user=student.user
    )
    save_step(
        additional,
        "programme",
        {"confirm_stage": "on", "photo_on_card": "yes", "accept_rules": "on", "accept_privacy": "on"},
        actor=student.user,
    )
    additional = submit_registration(additional, actor=student.user)
    assert [line["code"] for line in additional.fee_lines] == ["registration_fee_reduced"]
    assert sync_submissions(additional) == []
    assert documents_complete(additional) is False
    Submission.objects.filter(registration=main).update(status=Submission.Status.VALIDATED)
    assert documents_complete(additional) is True


def test_a_student_with_no_main_registration_this_year_cannot_add_one(demo):
    student = continuing("emma")
    assert not reregistration.additional_stages(student).exists()


# --- Views ------------------------------------------------------------------------------------


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


def test_another_students_confirm_page_is_not_found(client, demo):
    emma, sarah = continuing("emma"), continuing("sarah")
    registration = reregistration.start_reregistration(emma, user=emma.user)
    client.force_login(sarah.user)
    assert client.get(reverse("registration:confirm", args=[registration.pk])).status_code == 404


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


def test_the_link_logs_the_student_in(
    client, demo, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    import re

    lucas = continuing("lucas")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("registration:student-login"),
            {
                "number": lucas.student_number,
                "birth_date": lucas.birth_date.isoformat(),
                "email": lucas.user.email,
            },
        )
    path = re.search(r"https?://[^/]+(/\S+/)", outbox[0].body).group(1)
    response = client.post(path)
    assert response.status_code == 302
    assert "redoubler" in client.get(reverse("registration:home")).content.decode()
