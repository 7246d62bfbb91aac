"""Reading the audit log (`audit_log.py`): pages of 50 newest first, filters, who may read what.
Purging it is tested with its command (management/commands/test_purge_audit.py)."""

import datetime

from django.utils import timezone

from matricule.backoffice import audit_log


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


def test_administrators_read_every_event_auditors_those_of_their_components(
    auditor, administrator, iut_agent
):
    from matricule.institution.models import Component

    assert audit_log.may_read_audit(administrator) and audit_log.readable_components(administrator) is None
    chartres = Component.objects.get(code="iut-chartres")
    assert audit_log.may_read_audit(auditor) and audit_log.readable_components(auditor) == {chartres.pk}
    assert not audit_log.may_read_audit(iut_agent)


def test_the_filter_form_refuses_an_end_before_the_start(db):
    form = audit_log.AuditFilterForm({"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert list(form.errors) == ["date_to"]
    assert audit_log.AuditFilterForm({"date_from": "2026-05-01", "date_to": "2026-05-01"}).is_valid()
