"""The Redis queue's worker: RQ's SimpleWorker, which runs each job in its own process instead of
forking a child per job (a fork then opens its own database connection: a PostgreSQL backend
forked per task, about four times the CPU of the task itself, measured by bench/rush/run
--cluster). Around each job, the database connections are checked as Django does around a
request, so that one closed by the server or a failover does not fail the next task."""

from django.db import close_old_connections
from rq.worker import SimpleWorker


class TaskWorker(SimpleWorker):
    def execute_job(self, job, queue):
        close_old_connections()
        try:
            return super().execute_job(job, queue)
        finally:
            close_old_connections()
