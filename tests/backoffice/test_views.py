"""The audit viewer: administrators and auditors only, filters, pages of 50."""

import datetime

import pytest
from django.utils import timezone

from matricule.audit.models import Event
from matricule.backoffice import audit_log


@pytest.fixture
def events(demo, iut_agent, administrator):
    """120 events of an agent on registrations, 3 of the administrator on payments."""
    Event.objects.all().delete()
    for n in range(120):
        Event.objects.create(
            action="registration.registered",
            actor=iut_agent,
            object_type="registration.registration",
            object_id=str(n),
            data={"n": n},
            address="192.0.2.7",
        )
    for n in range(3):
        Event.objects.create(
            action="payments.refunded",
            actor=administrator,
            object_type="payments.payment",
            object_id=str(n),
            data={"amount_cents": 100 * n},
        )
    return Event.objects.order_by("-pk")


def test_only_administrators_and_auditors(events, administrator, auditor, iut_agent, staff_client):
    assert staff_client(iut_agent).get("/gestion/audit/").status_code == 403
    assert staff_client(auditor).get("/gestion/audit/").status_code == 200
    assert staff_client(administrator).get("/gestion/audit/").status_code == 200


def test_nav_shows_audit_only_to_those_who_may_read_it(events, auditor, iut_agent, staff_client):
    assert 'href="/gestion/audit/"' in staff_client(auditor).get("/gestion/").content.decode()
    assert 'href="/gestion/audit/"' not in staff_client(iut_agent).get("/gestion/").content.decode()


def test_pages_of_fifty_newest_first(events):
    first = audit_log.event_page({})
    assert len(first.events) == 50
    assert [e.pk for e in first.events] == [e.pk for e in events[:50]]
    assert first.newer is None and first.is_first
    second = audit_log.event_page({}, before=first.older)
    assert [e.pk for e in second.events] == [e.pk for e in events[50:100]]
    third = audit_log.event_page({}, before=second.older)
    assert len(third.events) == 23 and third.older is None
    back = audit_log.event_page({}, after=third.newer)
    assert [e.pk for e in back.events] == [e.pk for e in second.events]
    top = audit_log.event_page({}, after=second.newer)
    assert [e.pk for e in top.events] == [e.pk for e in first.events] and top.is_first


def test_filters(events, administrator):
    def actions(**filters):
        return {e.action for e in audit_log.event_page(filters).events}

    assert actions(action="payments.") == {"payments.refunded"}
    assert actions(actor="ADMIN") == {"payments.refunded"}
    assert len(audit_log.event_page({"object_type": "payments.payment", "object_id": "2"}).events) == 1
    today = timezone.localdate()
    assert len(audit_log.event_page({"date_from": today, "date_to": today}).events) == 50
    assert audit_log.event_page({"date_to": today - datetime.timedelta(days=1)}).events == []


def test_page_shows_actor_action_object_data_address(events, administrator, staff_client):
    html = staff_client(administrator).get("/gestion/audit/", {"action": "registration."}).content.decode()
    assert "registration.registered" in html and "payments.refunded" not in html
    assert "agent.chartres" in html
    assert "registration.registration 119" in html
    assert "192.0.2.7" in html
    assert "n: 119" in html
    assert "before=" in html and "action=registration." in html


def test_invalid_dates_are_reported(events, administrator, staff_client):
    response = staff_client(administrator).get(
        "/gestion/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert "registration.registration 119" not in html  # no events listed


def test_page_costs_a_few_queries(events, administrator, staff_client, django_assert_max_num_queries):
    client = staff_client(administrator)
    with django_assert_max_num_queries(10):
        client.get("/gestion/audit/")


def test_events_carry_the_component_of_their_object(demo, demo_candidates, iut_agent):
    from matricule.audit.services import record

    candidate = demo_candidates["accepted"]
    event = record("admissions.candidate.checked", actor=iut_agent, obj=candidate)
    assert event.component_id == candidate.stage.programme.component_id
    assert record("accounts.login", obj=iut_agent).component_id is None
    assert record("system.started").component_id is None


def test_an_auditor_reads_only_the_events_of_their_component(
    demo, demo_candidates, auditor, administrator, iut_agent, staff_client
):
    from matricule.audit.services import record
    from matricule.institution.models import Component

    Event.objects.all().delete()
    iut = Component.objects.get(code="iut-chartres")
    other = Component.objects.exclude(pk=iut.pk).first() or Component.objects.create(
        code="ufr-sciences", name="UFR Sciences et Techniques", university=iut.university
    )
    record("admissions.candidate.checked", actor=iut_agent, obj=demo_candidates["accepted"])
    Event.objects.create(
        action="payments.refunded", component=other, object_type="registration.registration", object_id="999"
    )
    record("accounts.login", obj=iut_agent)
    seen = staff_client(auditor).get("/gestion/audit/").content.decode()
    assert "admissions.candidate.checked" in seen
    assert "payments.refunded" not in seen and "accounts.login" not in seen
    everything = staff_client(administrator).get("/gestion/audit/").content.decode()
    assert all(
        a in everything for a in ("admissions.candidate.checked", "payments.refunded", "accounts.login")
    )
