"""record: who did what to which object, from which address, in which component."""

from django.contrib.auth.models import AnonymousUser

from matricule.audit.context import current_address
from matricule.audit.services import component_of, record
from matricule.institution.models import Component, Programme


def test_an_event_names_its_actor_object_and_data(iut_agent):
    programme = Programme.objects.filter(component__code="iut-chartres").first()
    event = record("institution.programme.checked", actor=iut_agent, obj=programme, fields=["name"])
    assert (event.action, event.actor, event.data) == (
        "institution.programme.checked",
        iut_agent,
        {"fields": ["name"]},
    )
    assert (event.object_type, event.object_id) == ("institution.programme", str(programme.pk))
    assert event.component_id == programme.component_id  # the object's own component


def test_nobody_signed_in_and_no_object_are_recorded_as_such(demo):
    event = record("system.started", actor=AnonymousUser())
    assert (event.actor, event.object_type, event.object_id, event.component_id) == (None, "", "", None)


def test_the_callers_component_comes_first(demo, iut_agent):
    orleans = Component.objects.get(code="iut-orleans")
    programme = Programme.objects.filter(component__code="iut-chartres").first()
    assert record("x.checked", obj=programme, component_id=orleans.pk).component_id == orleans.pk
    assert component_of(iut_agent) is None  # an account belongs to no component
    assert component_of(None) is None


def test_the_address_of_the_request_being_served_is_recorded(demo):
    token = current_address.set("203.0.113.7")
    try:
        event = record("accounts.login")
    finally:
        current_address.reset(token)
    assert event.address == "203.0.113.7"
    assert record("accounts.login").address == ""  # a task or a command
