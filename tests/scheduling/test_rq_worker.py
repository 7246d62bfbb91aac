"""The Redis queue's worker (`rq_worker.TaskWorker`): jobs run in the worker's own process, with
the database connections checked around each, as Django does around a request."""

from matricule.scheduling import rq_worker


def test_connections_are_checked_before_and_after_each_job(monkeypatch):
    calls = []
    monkeypatch.setattr(rq_worker, "close_old_connections", lambda: calls.append("check"))
    monkeypatch.setattr(
        rq_worker.SimpleWorker, "execute_job", lambda self, job, queue: calls.append("job") or "done"
    )
    worker = rq_worker.TaskWorker.__new__(rq_worker.TaskWorker)  # no Redis needed for this
    assert worker.execute_job(object(), object()) == "done"
    assert calls == ["check", "job", "check"]
