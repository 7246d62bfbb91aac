"""Device cookies: signed, naming the accounts that signed in on the browser, ignored when forged,
altered, too old or malformed."""

import datetime

import time_machine
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory

from matricule.accounts import devices


class Account:
    def __init__(self, pk):
        self.pk = pk


def request_with(value=None, secure=False):
    factory = RequestFactory()
    request = factory.get("/", secure=secure)
    if value is not None:
        request.COOKIES[devices.COOKIE] = value
    return request


def issued(request, pk):
    response = HttpResponse()
    devices.remember(request, response, Account(pk))
    return response.cookies[devices.COOKIE]


def test_a_sign_in_issues_a_signed_long_lived_http_only_lax_cookie_naming_the_account(settings):
    settings.SESSION_COOKIE_SECURE = False
    cookie = issued(request_with(), 7)
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 365 * 24 * 3600
    assert not cookie["secure"]  # a site served over plain HTTP (the demo)
    entries = devices.entries(request_with(cookie.value))
    assert [pk for pk, _ in entries] == [7] and len(entries[0][1]) >= 20
    assert issued(request_with(secure=True), 7)["secure"]
    settings.SESSION_COOKIE_SECURE = True
    assert issued(request_with(), 7)["secure"]


def test_the_nonce_is_kept_and_other_accounts_on_the_browser_too():
    first = issued(request_with(), 7).value
    nonce = devices.nonce_for(request_with(first), [7])
    second = issued(request_with(first), 8).value
    assert [pk for pk, _ in devices.entries(request_with(second))] == [8, 7]
    assert devices.nonce_for(request_with(second), [7]) == nonce
    again = issued(request_with(second), 7).value
    assert [pk for pk, _ in devices.entries(request_with(again))] == [7, 8]
    assert devices.nonce_for(request_with(again), [7]) == nonce


def test_at_most_a_few_accounts_are_kept():
    value = None
    for pk in range(1, 10):
        value = issued(request_with(value), pk).value
    assert [pk for pk, _ in devices.entries(request_with(value))] == [9, 8, 7, 6, 5]


def test_a_forged_altered_or_foreign_cookie_names_nobody():
    good = issued(request_with(), 7).value
    assert devices.nonce_for(request_with(good), [8]) is None  # another account
    forged = signing.dumps([[8, "chosen-nonce"]], salt="not.the.salt")
    assert devices.entries(request_with(forged)) == []
    forged_with_key = signing.dumps([[8, "chosen-nonce"]], salt=devices.SALT, key="not-the-secret-key")
    assert devices.entries(request_with(forged_with_key)) == []
    assert devices.entries(request_with(good[:-2] + "xx")) == []
    assert devices.entries(request_with("not a cookie")) == []
    assert devices.entries(request_with(signing.dumps({"7": "x"}, salt=devices.SALT))) == []
    assert devices.entries(request_with(signing.dumps([[7, ""], ["7", "x"], 7], salt=devices.SALT))) == []


def test_a_cookie_older_than_a_year_names_nobody():
    value = issued(request_with(), 7).value
    with time_machine.travel(datetime.timedelta(days=366)):
        assert devices.entries(request_with(value)) == []
