"""Benchmark of the registrar's review pages with 20 000 registrations carrying documents.

    .venv/bin/python bench/review_queue.py [--registrations N]

Throwaway SQLite database in a temporary folder: migrates, seeds the demo, bulk-creates N
registered students with five documents each (a third of them waiting for review, at the IUT de
Chartres and elsewhere), then times the queue page and one review page as the IUT de Chartres
agent sees them (Django test client, server time only) and counts the review page's queries.
Ends with `BENCH review_queue registrations=… queue_ms=… review_ms=… queries=…` (medians).
"""

import argparse
import time

from common import agent_client, bulk_students, bulk_submissions, demo_instance, profile_if_asked, timed


def seed_registrations(count: int) -> int:
    from django.utils import timezone

    from matricule.documents.models import Version
    from matricule.institution.models import AcademicYear, Stage
    from matricule.registration.models import Registration

    year = AcademicYear.objects.current()
    stages = list(Stage.objects.filter(level=1))
    students = bulk_students(count)
    registrations = Registration.objects.bulk_create(
        [
            Registration(
                student=s,
                academic_year=year,
                stage=stages[n % len(stages)],
                state="registered",
                cleaned={"ine": {"ine": "0494004062M"}},
            )
            for n, s in enumerate(students)
        ],
        batch_size=2000,
    )
    submissions = bulk_submissions(registrations, timezone.now())
    Version.objects.bulk_create(
        [
            Version(
                submission=s,
                file=f"documents/bench/{s.pk}.png",
                extension=".png",
                content_type="image/png",
                size=1000,
                sha256="0" * 64,
            )
            for s in submissions
        ],
        batch_size=5000,
    )
    chartres = next(
        r
        for n, r in enumerate(registrations)
        if n % 3 == 0 and r.stage.programme.component.code == "iut-chartres"
    )
    return chartres.pk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=20_000)
    args = parser.parse_args()
    with demo_instance(test_client=True):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        start = time.perf_counter()
        review_pk = seed_registrations(args.registrations)
        print(f"seeded {args.registrations} registrations in {time.perf_counter() - start:.1f} s")

        client = agent_client()
        queue_ms = timed(client, "/gestion/pieces/")
        profile_if_asked(client, "/gestion/pieces/")
        review_ms = timed(client, f"/gestion/pieces/{review_pk}/")
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/gestion/pieces/{review_pk}/")
        print(
            f"BENCH review_queue registrations={args.registrations} queue_ms={queue_ms:.1f} "
            f"review_ms={review_ms:.1f} queries={len(queries)}"
        )


if __name__ == "__main__":
    main()
