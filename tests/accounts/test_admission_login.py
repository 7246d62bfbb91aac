"""The admission login's service: connection links asked for and used, and why nobody else's
failures ever keep a candidate from getting theirs."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from matricule.accounts import admission_login, limits
from matricule.accounts.models import LoginLink, Throttle
from matricule.admissions.models import Candidate
from matricule.audit.models import Event

BIRTH = datetime.date(2006, 3, 14)
EMAIL = "chloe.lefevre@example.org"


def ask(candidate, address, birth_date=BIRTH, email=EMAIL, number="240012345"):
    return admission_login.request_link(
        year=candidate.academic_year, number=number, birth_date=birth_date, email=email, address=address
    )


def ask_as(candidate, address, birth_date=BIRTH):
    """The candidate asks for their link with their own number and email address."""
    return ask(candidate, address, birth_date, email=candidate.email, number=candidate.parcoursup_number)


def links_queued(callbacks) -> int:
    """The links a series of requests queued (one on-commit callback per link)."""
    return len(callbacks)


def test_link_requests_per_candidate_are_limited(
    new_student, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    for attempt in range(7):
        with django_capture_on_commit_callbacks(execute=True):
            ask(new_student, f"10.0.0.{attempt}")
    assert len(outbox) == 5  # settings.MATRICULE_THROTTLES["link_request"]: 5 an hour
    assert Event.objects.filter(action="accounts.admission_login.link_limited").count() == 2
    with (
        time_machine.travel(datetime.timedelta(minutes=61)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ask(new_student, "10.0.0.99")
    assert len(outbox) == 6


def test_a_newer_link_voids_the_older_ones(new_student):
    first = admission_login.create_link(new_student)
    second = admission_login.create_link(new_student)
    with pytest.raises(admission_login.LinkError) as error:
        admission_login.check_link(first)
    assert error.value.code == "replaced"
    with pytest.raises(admission_login.LinkError):
        admission_login.use_link(first)
    assert admission_login.use_link(second).username == "psup-2026-240012345"


def test_a_newer_link_of_another_person_voids_nothing(new_student, classmate, django_user_model):
    mine = admission_login.create_link(new_student)
    admission_login.create_link(classmate)
    user = django_user_model.objects.create_user("continuing")
    theirs = admission_login.create_user_link(user)
    admission_login.create_user_link(django_user_model.objects.create_user("other"))
    assert admission_login.check_link(mine).candidate == new_student
    assert admission_login.check_link(theirs).user == user


def test_using_a_link_retires_the_candidates_other_links(new_student):
    first = admission_login.create_link(new_student)
    second = admission_login.create_link(new_student)
    admission_login.use_link(second)
    with pytest.raises(admission_login.LinkError) as error:
        admission_login.use_link(first)
    assert error.value.code == "used"


def test_right_details_are_never_refused_after_any_number_of_failures_from_any_address(
    new_student, django_capture_on_commit_callbacks
):
    wrong = datetime.date(2001, 1, 1)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for attempt in range(50):  # from the candidate's own address and from 25 others
            address = "203.0.113.7" if attempt % 2 else f"192.0.2.{attempt}"
            ask(new_student, address, birth_date=wrong)
        slowed_here = ask(new_student, "203.0.113.7", birth_date=wrong)
        assert slowed_here.slowed  # the number is slowed down everywhere
        for address in ("203.0.113.7", "192.0.2.0", "198.51.100.200"):
            with django_capture_on_commit_callbacks() as callbacks:
                outcome = ask(new_student, address)
            assert links_queued(callbacks) == 1  # the link goes out all the same
            assert outcome.retry_at == slowed_here.retry_at  # with the same answer as a miss
    assert Event.objects.filter(action="accounts.admission_login.link_requested").count() == 3


def test_attempts_during_a_delay_are_not_counted(new_student):
    wrong = datetime.date(2001, 1, 1)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            ask(new_student, "203.0.113.7", birth_date=wrong)  # the pair's 4th failure: 10 s
        for _ in range(20):
            assert ask(new_student, "203.0.113.7", birth_date=wrong).retry_at == start + datetime.timedelta(
                seconds=10
            )
    assert Throttle.objects.get(scope="login_pair").count == 4
    assert Event.objects.filter(action="accounts.admission_login.failed").count() == 4


def test_delays_grow_are_capped_and_decay(new_student):
    wrong = datetime.date(2001, 1, 1)
    now = timezone.now()
    waits = []
    delay = limits.DetailsAttempt("240012345", "203.0.113.7")
    for _ in range(20):
        with time_machine.travel(now, tick=False):
            assert not ask(new_student, "203.0.113.7", birth_date=wrong).slowed
            retry_at = delay.retry_at()
        waits.append(round((retry_at - now).total_seconds()) if retry_at else 0)
        now = retry_at or now  # the next attempt as soon as it is allowed
    # The pair: 3 free failures, then 10 s doubling, never more than 5 minutes; retrying as
    # soon as allowed, a failure is forgotten every 5 minutes meanwhile.
    assert waits[:8] == [0, 0, 0, 10, 20, 40, 80, 160]
    assert max(waits) == 300 and min(waits[8:]) >= 160
    # Ten quiet minutes later two failures are forgotten: the next one waits half as long or less.
    with time_machine.travel(now + datetime.timedelta(minutes=10), tick=False):
        assert not ask(new_student, "203.0.113.7", birth_date=wrong).slowed
        assert (delay.retry_at() - timezone.now()).total_seconds() <= waits[-1] / 2
    # An hour later it is all forgotten.
    with time_machine.travel(now + datetime.timedelta(hours=1, minutes=10), tick=False):
        for _ in range(3):
            assert ask(new_student, "203.0.113.7", birth_date=wrong).retry_at is None


def school(demo, count):
    """`count` candidates from the same lycée."""
    template = {
        "academic_year": demo.current_year,
        "last_name": "ÉLÈVE",
        "first_names": "Camille",
        "birth_date": BIRTH,
        "parcoursup_offer_code": "GEII-1",
        "situation": "1",
        "phase": "principale",
    }
    candidates = [
        Candidate(
            **template,
            parcoursup_number=f"25{n:07d}",
            email=f"eleve{n}@example.org",
            email_lower=f"eleve{n}@example.org",
        )
        for n in range(count)
    ]
    return Candidate.objects.bulk_create(candidates)


def test_a_school_behind_one_address_is_never_refused(demo, django_capture_on_commit_callbacks):
    candidates = school(demo, 300)
    address = "203.0.113.50"
    wrong = datetime.date(2001, 1, 1)
    with django_capture_on_commit_callbacks() as callbacks:
        for n, candidate in enumerate(candidates):
            if n % 10 == 0:  # one in ten mistypes their date of birth first
                ask_as(candidate, address, birth_date=wrong)
            outcome = ask_as(candidate, address)
            assert not outcome.slowed
    assert len(callbacks) == 300  # every student's link queued
    assert Throttle.objects.get(scope="login_address", key=address).count == 30
    assert limits.DetailsAttempt("259999999", address).retry_at() is None


def test_a_school_whose_address_is_slowed_still_gets_every_link(demo, django_capture_on_commit_callbacks):
    candidates = school(demo, 20)
    address = "203.0.113.50"
    for n in range(100):  # someone at the school tries numbers at random
        admission_login.request_link(
            year=demo.current_year,
            number=f"26{n:07d}",
            birth_date=BIRTH,
            email="x@example.org",
            address=address,
        )
    with django_capture_on_commit_callbacks() as callbacks:
        outcomes = [ask_as(candidate, address) for candidate in candidates]
    assert all(outcome.slowed for outcome in outcomes)  # told to wait, as a miss would be
    assert len(callbacks) == 20  # and the links go out all the same
    assert LoginLink.objects.count() == 0  # (made by the worker, once the callbacks run)


def test_the_login_link_is_taken_before_the_work_queued_ahead_of_it(settings, demo_candidates):
    """On opening day the queue holds PDFs and emails: the link a student waits for goes first."""
    from django_tasks_db.models import DBTaskResult

    from matricule.accounts.admission_login import send_login_link
    from matricule.registration.tasks import offer_activation

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }
    candidate = demo_candidates["accepted"]
    offer_activation.enqueue(1)
    offer_activation.enqueue(2)
    send_login_link.enqueue(candidate.pk)
    first = DBTaskResult.objects.ready().first()
    assert first.task_path == "matricule.accounts.admission_login.send_login_link"
    assert first.queue_name == "login"
