"""Subscriptions: where they may send, what they may ask for, their secret."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from matricule.webhooks.models import Delivery, Subscription, check_events, check_target


@pytest.mark.parametrize(
    "url",
    ["https://ent.univ.example/hooks", "http://127.0.0.1:8080/hooks", "http://localhost/x", "http://[::1]/"],
)
def test_https_or_this_machine_is_accepted(url):
    check_target(url)


@pytest.mark.parametrize(
    "url", ["http://ent.univ.example/hooks", "ftp://127.0.0.1/", "http://10.0.0.1/", "https://"]
)
def test_plain_http_elsewhere_is_refused(url):
    with pytest.raises(ValidationError) as error:
        check_target(url)
    assert "https://" in error.value.messages[0]


@pytest.mark.parametrize("events", [[], ["registration.registered", "nope"], "registration.registered", None])
def test_events_come_from_the_catalogue(events):
    with pytest.raises(ValidationError):
        check_events(events)


def test_every_subscription_gets_its_own_secret_and_full_clean_checks_it(api_client):
    client = api_client("ENT")
    first = Subscription.objects.create(client=client, url="https://a.example/", events=["student.updated"])
    second = Subscription.objects.create(client=client, url="https://b.example/", events=["student.updated"])
    assert first.secret.startswith("whsec_") and first.secret != second.secret
    assert str(first) == "ENT → https://a.example/"
    with pytest.raises(ValidationError) as error:
        Subscription(client=client, url="http://ent.example/", events=["x"]).full_clean()
    assert set(error.value.message_dict) == {"url", "events"}


def test_a_delivery_reads_as_its_event_and_id(api_client):
    subscription = Subscription.objects.create(
        client=api_client("ENT"), url="https://a.example/", events=["student.updated"]
    )
    delivery = Delivery.objects.create(
        subscription=subscription,
        webhook_id="msg_1",
        event_type="student.updated",
        event_key="k",
        object_type="registration.student",
        object_id="1",
        occurred_at=timezone.now(),
    )
    assert str(delivery) == "student.updated msg_1" and delivery.state == "pending" and delivery.body == ""
