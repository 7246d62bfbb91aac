"""The page step that asks for a code (accounts.totp_views.code_step), shared by the students' and
the staff's pages: a wrong code, a right one, a lock, a second factor turned off meanwhile."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone, translation

from matricule.accounts import totp
from matricule.accounts.totp_views import code_step

pytestmark = pytest.mark.django_db  # the page's header reads the university's name

TEMPLATE = "accounts/student/login_code.html"
WRONG = "This code is not right."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def request_for(method="get", data=None):
    request = getattr(RequestFactory(), method)("/en/account/login/code/", data or {})
    request.user = AnonymousUser()
    return request


class Step:
    """What code_step is given: the check's answer, and which outcome the page called."""

    def __init__(self, answer=None):
        self.answer = answer
        self.checked = []
        self.called = []

    def check(self, code):
        self.checked.append(code)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def outcome(self, name):
        def respond():
            self.called.append(name)
            return HttpResponse(name)

        return respond

    def run(self, request, context=None):
        return code_step(
            request,
            TEMPLATE,
            context or {},
            check=self.check,
            done=self.outcome("done"),
            gone=self.outcome("gone"),
            locked=lambda: self.called.append("locked"),
            wrong=WRONG,
        )


def test_the_form_is_shown_and_nothing_checked_on_get():
    step = Step()
    response = step.run(request_for())
    assert response.status_code == 200
    assert 'autocomplete="one-time-code"' in response.content.decode()
    assert step.checked == [] and step.called == []


def test_a_right_code_is_done():
    step = Step(totp.CodeCheck(ok=True))
    response = step.run(request_for("post", {"code": " 123 456 "}))
    assert response.content == b"done"
    assert step.checked == ["123456"] and step.called == ["done"]


def test_a_wrong_code_is_said_so():
    step = Step(totp.CodeCheck(ok=False))
    response = step.run(request_for("post", {"code": "123456"}))
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert step.called == []


def test_what_is_not_a_code_is_not_checked():
    step = Step(totp.CodeCheck(ok=True))
    response = step.run(request_for("post", {"code": "12ab56"}))
    assert response.status_code == 400 and step.checked == []
    assert "Type the 6 digits" in response.content.decode()


def test_the_lock_the_check_reports_is_shown():
    until = timezone.now() + datetime.timedelta(minutes=15)
    step = Step(totp.CodeCheck(locked_until=until))
    response = step.run(request_for("post", {"code": "123456"}))
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert step.called == ["locked"]


def test_while_locked_nothing_is_checked():
    step = Step(totp.CodeCheck(ok=True))
    until = timezone.now() + datetime.timedelta(minutes=15)
    response = step.run(request_for("post", {"code": "123456"}), {"locked_until": until})
    assert response.status_code == 429
    assert step.checked == [] and step.called == ["locked"]


def test_a_second_factor_turned_on_or_off_meanwhile_is_gone():
    step = Step(totp.TotpError("not_enabled"))
    response = step.run(request_for("post", {"code": "123456"}))
    assert response.content == b"gone"
    assert step.called == ["gone"]
