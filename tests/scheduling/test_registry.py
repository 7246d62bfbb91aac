import datetime

from matricule.scheduling import registry


def test_apps_register_their_recurring_jobs():
    names = set(registry.JOBS)
    assert {
        "payments.reconcile",
        "payments.instalments",
        "privacy.apply_retention",  # the audit log's and the exports' purges among its classes
        "scheduling.recover_tasks",
        "scheduling.prune_task_results",
        "notifications.deliver_emails",
    } <= names
    assert registry.JOBS["payments.reconcile"].every == datetime.timedelta(minutes=2)


def test_registering_again_replaces(monkeypatch):
    monkeypatch.setattr(registry, "JOBS", {})
    registry.register("a", datetime.timedelta(seconds=1), lambda: 1)
    registry.register("a", datetime.timedelta(seconds=2), lambda: 2)
    assert registry.JOBS["a"].every == datetime.timedelta(seconds=2) and registry.JOBS["a"].function() == 2
