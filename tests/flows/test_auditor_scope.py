# ruff: noqa: F811 - fixtures imported from tests/backoffice/conftest.py are used as arguments
"""An auditor reads the events of their component only: each event is given the component of its
object when recorded (audit app, whatever app records it), and the back office's audit log shows
an auditor those of their components (backoffice)."""

from matricule.audit.models import Event
from tests.backoffice.conftest import auditor  # noqa: F401


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
    page = staff_client(auditor).get("/gestion/audit/").content.decode()
    seen = page[page.index('<table class="events">') :]  # the events, not the filter's list of kinds
    assert "admissions.candidate.checked" in seen
    assert "payments.refunded" not in seen and "accounts.login" not in seen
    everything = staff_client(administrator).get("/gestion/audit/").content.decode()
    everything = everything[everything.index('<table class="events">') :]
    assert all(
        a in everything for a in ("admissions.candidate.checked", "payments.refunded", "accounts.login")
    )
