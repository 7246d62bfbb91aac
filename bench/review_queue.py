"""Benchmark of the registrar's review pages with 20 000 registrations carrying documents.

    .venv/bin/python bench/review_queue.py [--registrations N]

Throwaway SQLite database in a temporary folder: migrates, seeds the demo, bulk-creates N
registered students with five documents each (a third of them waiting for review, at the IUT de
Chartres and elsewhere), then times the queue page and one review page as the IUT de Chartres
agent sees them (Django test client, server time only) and counts the review page's queries.
Ends with `BENCH review_queue registrations=… queue_ms=… review_ms=… queries=…` (medians).
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seed_registrations(count: int) -> int:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from matricule.documents.models import DocumentType, Submission, Version
    from matricule.institution.models import AcademicYear, Stage
    from matricule.registration.models import Registration, Student

    year = AcademicYear.objects.current()
    stages = list(Stage.objects.filter(level=1))
    types = list(DocumentType.objects.filter(code__in=["identity", "photo", "bac", "cvec", "grant"]))
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bench{n}") for n in range(count)], batch_size=2000
    )
    students = Student.objects.bulk_create(
        [Student(user=u, student_number=f"99{n:06d}") for n, u in enumerate(users)], batch_size=2000
    )
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
    now = timezone.now()
    submissions = []
    for n, registration in enumerate(registrations):
        waiting = n % 3 == 0
        for k, document_type in enumerate(types):
            submissions.append(
                Submission(
                    registration=registration,
                    document_type=document_type,
                    status="submitted" if waiting else "validated",
                    submitted_at=now - datetime.timedelta(minutes=n + k),
                )
            )
    submissions = Submission.objects.bulk_create(submissions, batch_size=5000)
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


def timed(client, url, runs=15) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="matricule-bench-") as tmp:
        tmp_path = Path(tmp)
        os.environ["DJANGO_SETTINGS_MODULE"] = "matricule.settings"
        os.environ["MATRICULE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        os.environ["MATRICULE_VAR_DIR"] = str(tmp_path)
        os.environ["MATRICULE_CACHE_URL"] = "locmem"
        os.environ.setdefault("MATRICULE_LOG_LEVEL", "WARNING")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext, setup_test_environment

        from matricule.demo.seed import seed

        setup_test_environment()
        call_command("migrate", verbosity=0)
        seed()
        start = time.perf_counter()
        review_pk = seed_registrations(args.registrations)
        print(f"seeded {args.registrations} registrations in {time.perf_counter() - start:.1f} s")
        from django.contrib.auth import get_user_model

        client = Client()
        client.force_login(get_user_model().objects.get(username="agent.chartres"))
        queue_ms = timed(client, "/gestion/pieces/")
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(client.get, "/gestion/pieces/")
            pstats.Stats(profile).sort_stats("tottime").print_stats(12)
        review_ms = timed(client, f"/gestion/pieces/{review_pk}/")
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/gestion/pieces/{review_pk}/")
        print(
            f"BENCH review_queue registrations={args.registrations} queue_ms={queue_ms:.1f} "
            f"review_ms={review_ms:.1f} queries={len(queries)}"
        )


if __name__ == "__main__":
    main()
