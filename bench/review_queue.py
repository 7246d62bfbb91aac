"""Benchmark of the registrar's review pages with 20 000 registrations carrying documents.

    .venv/bin/python bench/review_queue.py [--registrations N] [--use-database-url]

Throwaway SQLite database in a temporary folder (or the database of MATRICULE_DATABASE_URL when
--use-database-url is given: it must be empty, it is migrated and filled): migrates, seeds the
demo, bulk-creates N registered students with five documents each (a third of them waiting for
review, at the IUT de Chartres and elsewhere), then times the queue page and one review page as
the IUT de Chartres agent sees them (Django test client, server time only) and counts the review
page's queries; then the agent decides on the documents of the files waiting as the review
screen sends them with htmx (each decision answered by the documents' column, no reload), timed
one by one, and the keys a decision takes are read from the page's declared shortcuts (`aria-
keyshortcuts`).
Ends with `BENCH review_queue registrations=… queue_ms=… review_ms=… queries=… decision_ms=…
decision_queries=… keys_per_decision=…` (medians).
"""

import argparse
import re
import statistics
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
    parser.add_argument("--decisions", type=int, default=30, help="decisions timed")
    parser.add_argument(
        "--use-database-url",
        action="store_true",
        help="use MATRICULE_DATABASE_URL (an empty database), not a temporary SQLite file",
    )
    args = parser.parse_args()
    with demo_instance(test_client=True, use_database_url=args.use_database_url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        start = time.perf_counter()
        review_pk = seed_registrations(args.registrations)
        print(f"seeded {args.registrations} registrations in {time.perf_counter() - start:.1f} s")
        if connection.vendor == "postgresql":
            # Statistics of the bulk-loaded tables, as autovacuum keeps them on a running system.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        client = agent_client()
        queue_ms = timed(client, "/gestion/pieces/")
        profile_if_asked(client, "/gestion/pieces/")
        review_ms = timed(client, f"/gestion/pieces/{review_pk}/")
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/gestion/pieces/{review_pk}/").content.decode()
        keys = keys_per_decision(page)
        decision_ms, decision_queries = decisions(client, args.decisions)
        print(
            f"BENCH review_queue registrations={args.registrations} queue_ms={queue_ms:.1f} "
            f"review_ms={review_ms:.1f} queries={len(queries)} decision_ms={decision_ms:.1f} "
            f"decision_queries={decision_queries} keys_per_decision={keys}"
        )


def keys_per_decision(page: str) -> int:
    """Keys pressed for one decision on the first document waiting, as the page declares them:
    validate, and refuse with a reason (a digit), each one key chord; the largest of the two."""
    validate = re.search(r'data-key="validate" aria-keyshortcuts="([^"]+)"', page)
    reasons = re.search(r'data-key="reasons" aria-keyshortcuts="([^"]+)"', page)
    assert validate and reasons, "the review page no longer declares its shortcuts"
    refuse = [s for s in reasons.group(1).split() if s.isdigit()]
    assert refuse, "no single key refuses with a reason"
    return max(len(validate.group(1).split("+")), len(refuse[0].split("+")))


def decisions(client, wanted: int) -> tuple[float, int]:
    """Median server time of `wanted` decisions (validations) posted as htmx does, in
    milliseconds, and the queries of the last one; over the Chartres files waiting, oldest first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from matricule.documents.models import Submission

    times, queries = [], 0
    waiting = (
        Submission.objects.filter(
            status="submitted", registration__stage__programme__component__code="iut-chartres"
        )
        .order_by("registration_id", "pk")
        .values_list("registration_id", "pk")
    )
    claimed = None
    for registration_id, submission_id in waiting[:wanted]:
        url = f"/gestion/pieces/{registration_id}/"
        if registration_id != claimed:
            client.get(url)  # the agent opens the file (and claims it)
            claimed = registration_id
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                url, {"submission": submission_id, "decision": "validate"}, HTTP_HX_REQUEST="true"
            )
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200 and b'id="review-documents"' in response.content
        queries = len(captured)
    return statistics.median(times), queries


if __name__ == "__main__":
    main()
