"""Benchmark of the REST API: listing every registration of a component, page after page.

    .venv/bin/python bench/api.py [--registrations N] [--page-size N]

Throwaway SQLite database in a temporary folder (or the empty database of
MATRICULE_DATABASE_URL with --use-database-url): migrates, seeds the demo, bulk-creates N
students registered this year at the IUT de Chartres, makes an API client of that component,
then walks /api/v1/registrations/ with its cursor through Django's test client (in-process:
the server's whole work per request, middleware included, without a network; after one warm-up
request, as in a running server) and checks that
every registration came exactly once. Ends with `BENCH api registrations=… time_s=… per_s=…`.
"""

import argparse
import os
import time

from common import bulk_students, demo_instance, profile_if_asked


def seed_registrations(count: int) -> set[int]:
    from matricule.institution.models import AcademicYear, Stage
    from matricule.registration.models import Registration

    year = AcademicYear.objects.current()
    stages = list(Stage.objects.filter(programme__component__code="iut-chartres"))
    rows = [
        Registration(student=student, academic_year=year, stage=stages[n % len(stages)], state="registered")
        for n, student in enumerate(bulk_students(count))
    ]
    Registration.objects.bulk_create(rows, batch_size=2000)
    return set(
        Registration.objects.filter(stage__programme__component__code="iut-chartres").values_list(
            "pk", flat=True
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--use-database-url", action="store_true")
    options = parser.parse_args()
    os.environ.setdefault("MATRICULE_API_RATE", "100000/min")

    with demo_instance(test_client=True, use_database_url=options.use_database_url):
        from django.test import Client

        from matricule.api.models import ApiClient
        from matricule.institution.models import Component

        expected = seed_registrations(options.registrations)
        api_client = ApiClient(name="bench", owner_email="bench@example.org", scopes=["registrations:read"])
        token = api_client.new_token()
        api_client.save()
        api_client.components.set([Component.objects.get(code="iut-chartres")])

        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        url = f"/api/v1/registrations/?page_size={options.page_size}"
        # A warm process, as a server's: the first request builds the URL resolver and imports
        # DRF's and the serializers' modules (about 0.7 s), once per process, not per page.
        assert client.get("/api/v1/registrations/?page_size=1").status_code == 200
        profile_if_asked(client, url)
        seen, pages = [], 0
        started = time.perf_counter()
        while url:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:200])
            answer = response.json()
            seen += [row["id"] for row in answer["results"]]
            url = answer["next"]
            pages += 1
        elapsed = time.perf_counter() - started
        assert len(seen) == len(set(seen)) and set(seen) == expected, "rows missing or repeated"
        print(f"pages={pages} page_size={options.page_size} rows={len(seen)}")
        rate = len(seen) / elapsed
        print(f"BENCH api registrations={options.registrations} time_s={elapsed:.2f} per_s={rate:.0f}")


if __name__ == "__main__":
    main()
