"""Benchmark of a registrar's everyday pages as the university grows (issue 19).

    .venv/bin/python bench/staff_pages.py [--registrations N] [--runs N] [--use-database-url]

Throwaway SQLite database in a temporary folder (or the database of MATRICULE_DATABASE_URL when
--use-database-url is given: it must be empty, it is migrated and filled): migrates, seeds the
demo, bulk-creates N students with realistic names (a few very common first names, compound
names, accents), emails, student numbers and INE, registered this year at the IUT de Chartres (a
tenth more elsewhere, a tenth still being filled in), five documents each (a third waiting for
review), a payment each and a few audit events each; then times, as the IUT de Chartres agent
sees them (Django test client, server time only, median of the runs): the dashboard (with its
summary already stored by the task queue, as on a running system), the search
by student number, by a common first name, by a last name's first letters, by email and by INE
(each printed; the slowest is `search_ms`), one student's file (and its queries) and the
documents' review queue.
Ends with `BENCH staff_pages registrations=… dashboard_ms=… search_ms=… student_file_ms=…
student_file_queries=… review_queue_ms=…`.
"""

import argparse
import datetime
import os
import time
from urllib.parse import urlencode

from common import (
    agent_client,
    bulk_payments,
    bulk_people,
    bulk_submissions,
    demo_instance,
    ine_of,
    person,
    profile_if_asked,
    seeded_instance,
    timed,
)


def seed_registrations(count: int) -> int:
    """N registrations at the IUT de Chartres and a tenth more elsewhere; the pk of a Chartres
    student with documents waiting (the file timed)."""
    from django.utils import timezone

    from matricule.audit.models import Event
    from matricule.institution.models import AcademicYear, Stage
    from matricule.registration.models import Registration

    year = AcademicYear.objects.current()
    chartres = list(Stage.objects.filter(programme__component__code="iut-chartres"))
    others = list(Stage.objects.exclude(programme__component__code="iut-chartres"))
    elsewhere = max(count // 10, 1)
    students = bulk_people(count + elsewhere)
    now = timezone.now()
    rows = []
    for n, student in enumerate(students):
        stage = chartres[n % len(chartres)] if n < count else others[n % len(others)]
        draft = n % 10 == 1
        rows.append(
            Registration(
                student=student,
                academic_year=year,
                stage=stage,
                state="draft" if draft else "registered",
                submitted_at=None if draft else now - datetime.timedelta(hours=n % 500),
                cleaned={"ine": {"ine": ine_of(n)}, "contacts": {"email": person(n)[2], "phone": ""}},
            )
        )
    registrations = Registration.objects.bulk_create(rows, batch_size=2000)
    for day in range(21):
        Registration.objects.filter(pk__in=[r.pk for r in registrations[day::21]]).update(
            created_at=now - datetime.timedelta(days=day, hours=1)
        )
    bulk_submissions(registrations, now)
    bulk_payments(registrations, now, draft_residue=1)
    # An audit trail of the size of the year's: a few events about each registration and
    # student, documents opened by staff (what the student's "who read my file" page reads).
    events = []
    for registration in registrations:
        component = registration.stage.programme.component_id
        ref = str(registration.pk)
        events += [
            Event(action="registration.started", object_type="registration.registration", object_id=ref),
            Event(action="registration.submitted", object_type="registration.registration", object_id=ref),
            Event(
                action="documents.file_opened",
                object_type="documents.version",
                object_id=ref,
                component_id=component,
                data={"student": registration.student_id},
            ),
        ]
        if len(events) >= 30_000:
            Event.objects.bulk_create(events, batch_size=5000)
            events = []
    Event.objects.bulk_create(events, batch_size=5000)
    return registrations[0].student_id  # n = 0: Chartres, registered, documents waiting


def searches(count: int) -> dict[str, str]:
    """What the agent types, by kind of search; each finds someone at the IUT de Chartres."""
    n = count // 2 + 3  # a registered student with an INE and an email
    last, _first, email = person(n)
    return {
        "student_number": f"99{n:06d}",
        "common_first_name": "marie",
        "last_name_prefix": last[:5].lower(),
        "email": email.upper(),
        "ine": ine_of(n),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument(
        "--use-database-url",
        action="store_true",
        help="use MATRICULE_DATABASE_URL (an empty database), not a temporary SQLite file",
    )
    parser.add_argument(
        "--seeded",
        action="store_true",
        help="time MATRICULE_DATABASE_URL as an earlier run with the same --registrations left it "
        "(migrated, not seeded again): the same data before and after a change",
    )
    args = parser.parse_args()
    if args.seeded:
        with seeded_instance(test_client=True):
            from matricule.registration.models import Student

            time_pages(args, Student.objects.get(student_number="99000000").pk)
        return
    with demo_instance(test_client=True, use_database_url=args.use_database_url):
        from django.db import connection

        start = time.perf_counter()
        student_pk = seed_registrations(args.registrations)
        print(
            f"seeded {args.registrations} registrations in {time.perf_counter() - start:.1f} s "
            f"({connection.vendor})"
        )
        time_pages(args, student_pk)


def time_pages(args, student_pk: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # The dashboard's summary (admitted, documents, money) is computed by the task queue, never
    # by the page: stored first, as on a running system; its own time is printed apart.
    from matricule.backoffice.dashboard import refresh_snapshot
    from matricule.institution.models import AcademicYear

    start = time.perf_counter()
    refresh_snapshot(AcademicYear.objects.current().pk)
    print(
        f"dashboard summary computed by the task in {(time.perf_counter() - start) * 1000:.0f} ms (not timed)"
    )
    client = agent_client()
    client.get("/gestion/")  # warm-up: templates, translations
    dashboard_ms = timed(client, "/gestion/", args.runs)
    print(f"dashboard_ms={dashboard_ms:.1f}")
    search_times = {}
    for kind, text in searches(args.registrations).items():
        url = "/gestion/recherche/?" + urlencode({"q": text})
        response = client.get(url)
        assert response.status_code == 200 and b"/gestion/etudiant/" in response.content, (kind, text)
        search_times[kind] = timed(client, url, args.runs)
        profile_if_asked(client, url)
        print(f"search {kind} ({text}): {search_times[kind]:.1f} ms")
    file_url = f"/gestion/etudiant/{student_pk}/"
    client.get(file_url)
    student_file_ms = timed(client, file_url, args.runs)
    profile_if_asked(client, file_url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(file_url).status_code == 200
    file_queries = len(queries)
    if os.environ.get("BENCH_QUERIES"):
        for query in queries.captured_queries:
            print(query["time"], query["sql"][:200])
    print(f"student_file_ms={student_file_ms:.1f} queries={file_queries}")
    client.get("/gestion/pieces/")
    review_queue_ms = timed(client, "/gestion/pieces/", args.runs)
    profile_if_asked(client, "/gestion/pieces/")
    print(f"review_queue_ms={review_queue_ms:.1f}")
    print(
        f"BENCH staff_pages registrations={args.registrations} dashboard_ms={dashboard_ms:.1f} "
        f"search_ms={max(search_times.values()):.1f} student_file_ms={student_file_ms:.1f} "
        f"student_file_queries={file_queries} review_queue_ms={review_queue_ms:.1f}"
    )


if __name__ == "__main__":
    main()
