"""Benchmark of the back-office dashboard on a component with 20 000 registrations.

    .venv/bin/python bench/dashboard.py [--registrations N] [--runs N]

Throwaway SQLite database in a temporary folder (or the database of MATRICULE_DATABASE_URL when
--use-database-url is given: it must be empty, it is migrated and filled): migrates, seeds the
demo, bulk-creates N students registered this year at the IUT de Chartres over the campaign's
days and stages (a tenth still being filled in), five documents each (a third waiting for
review), a payment each (some pending for hours, some held for a wrong amount) and 2 000
registrations elsewhere; then times the dashboard as the IUT de Chartres agent sees it (Django
test client, server time only) and counts its queries, with the dashboard's summary (admitted,
documents, money) already stored, as the task queue keeps it on a running system: the page never
computes it; the summary's own computation is timed apart.
Bulk writes bypass the counts the dashboard reads (`registration.counts`): the seed ends with
`manage.py rebuild_counts`, as after any import, and its time is printed.
Ends with `BENCH dashboard registrations=… dashboard_ms=… queries=…` (median of the runs).
"""

import argparse
import datetime
import os
import time

from common import (
    agent_client,
    bulk_payments,
    bulk_students,
    bulk_submissions,
    demo_instance,
    profile_if_asked,
    timed,
)


def seed_registrations(count: int, elsewhere: int = 2000) -> None:
    from django.utils import timezone

    from matricule.institution.models import AcademicYear, Stage
    from matricule.payments.models import Payment
    from matricule.registration.models import Registration

    year = AcademicYear.objects.current()
    chartres = list(Stage.objects.filter(programme__component__code="iut-chartres"))
    others = list(Stage.objects.exclude(programme__component__code="iut-chartres"))
    students = bulk_students(count + elsewhere, named=True)
    now = timezone.now()
    rows = []
    for n, student in enumerate(students):
        stage = chartres[n % len(chartres)] if n < count else others[n % len(others)]
        draft = n % 10 == 0
        rows.append(
            Registration(
                student=student,
                academic_year=year,
                stage=stage,
                state="draft" if draft else "registered",
                submitted_at=None if draft else now - datetime.timedelta(hours=n % 500),
            )
        )
    registrations = Registration.objects.bulk_create(rows, batch_size=2000)
    # Spread the starts over the last three weeks (auto_now_add: set afterwards, in a few updates).
    for day in range(21):
        Registration.objects.filter(pk__in=[r.pk for r in registrations[day::21]]).update(
            created_at=now - datetime.timedelta(days=day, hours=1)
        )
    bulk_submissions(registrations, now)
    bulk_payments(registrations, now)
    Payment.objects.filter(status="pending").update(created_at=now - datetime.timedelta(hours=3))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--use-database-url",
        action="store_true",
        help="use MATRICULE_DATABASE_URL (an empty database), not a temporary SQLite file",
    )
    args = parser.parse_args()
    with demo_instance(test_client=True, use_database_url=args.use_database_url):
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        start = time.perf_counter()
        seed_registrations(args.registrations)
        print(
            f"seeded {args.registrations} registrations in {time.perf_counter() - start:.1f} s "
            f"({connection.vendor})"
        )
        start = time.perf_counter()
        call_command("rebuild_counts", verbosity=0)
        print(f"rebuilt the counts in {time.perf_counter() - start:.1f} s")

        # The summary (admitted, documents, money) is computed by the task queue, never by the
        # page: stored first, as on a running system; its own time is printed apart.
        from matricule.backoffice.dashboard import refresh_snapshot
        from matricule.institution.models import AcademicYear

        if connection.vendor == "postgresql":
            # Statistics of the bulk-loaded tables, as autovacuum keeps them on a running system.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        start = time.perf_counter()
        refresh_snapshot(AcademicYear.objects.current().pk)
        print(f"computed the summary (the task's work, not timed) in {time.perf_counter() - start:.2f} s")

        client = agent_client()
        client.get("/gestion/")  # warm-up: templates, translations
        dashboard_ms = timed(client, "/gestion/", args.runs)
        profile_if_asked(client, "/gestion/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/gestion/")
        assert response.status_code == 200
        if os.environ.get("BENCH_QUERIES"):
            for query in queries.captured_queries:
                print(query["time"], query["sql"][:160])
        print(
            f"BENCH dashboard registrations={args.registrations} dashboard_ms={dashboard_ms:.1f} "
            f"queries={len(queries)}"
        )


if __name__ == "__main__":
    main()
