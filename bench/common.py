"""What the benchmarks share: a throwaway Matricule seeded with the demo, bulk-made students with
their documents, pages timed through the test client, and imports timed with the process's
peak memory. Imported by the scripts of bench/ (run as `.venv/bin/python bench/<name>.py`, so
this folder is on the path); Django is set up by `demo_instance`, so the helpers that read the
database import Matricule's modules inside."""

import contextlib
import datetime
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT_CODES = ["identity", "photo", "bac", "cvec", "grant"]


@contextlib.contextmanager
def demo_instance(*, test_client: bool = False, use_database_url: bool = False):
    """A temporary folder (deleted at the end) with a fresh SQLite database in it, or the empty
    database of MATRICULE_DATABASE_URL with `use_database_url`: Django set up on it, migrated,
    seeded with the demo. Yields the folder and the seed's result.

    With `test_client`, Django's test environment is set up first (as the pages are timed through
    the test client) and staff need no second factor (the agent signs in with force_login)."""
    with tempfile.TemporaryDirectory(prefix="matricule-bench-") as tmp:
        tmp_path = Path(tmp)
        os.environ["DJANGO_SETTINGS_MODULE"] = "matricule.settings"
        if not use_database_url:
            os.environ["MATRICULE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        os.environ["MATRICULE_VAR_DIR"] = str(tmp_path)
        os.environ["MATRICULE_CACHE_URL"] = "locmem"
        os.environ.setdefault("MATRICULE_LOG_LEVEL", "WARNING")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test.utils import setup_test_environment

        from matricule.demo.seed import seed

        if test_client:
            setup_test_environment()
            settings.MATRICULE_STAFF_REQUIRE_2FA = False
        call_command("migrate", verbosity=0)
        yield tmp_path, seed()


def setup_django() -> None:
    """Django set up for its settings and translations only, without a database (the PDF
    benchmarks)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matricule.settings")
    import django

    django.setup()


# --- data in bulk --------------------------------------------------------------------------------
def bulk_students(count: int, *, named: bool = False) -> list:
    """`count` students with an account each: usernames bench0, bench1…, student numbers
    99000000, 99000001… and, when `named`, a birth name NOM0, NOM1… and a first name."""
    from django.contrib.auth import get_user_model

    from matricule.registration.models import Student

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"bench{n}") for n in range(count)], batch_size=2000
    )
    students = [Student(user=u, student_number=f"99{n:06d}") for n, u in enumerate(users)]
    if named:
        for n, student in enumerate(students):
            student.last_name, student.first_names = f"NOM{n}", "Prénom"
    return Student.objects.bulk_create(students, batch_size=2000)


def bulk_submissions(registrations, now: datetime.datetime) -> list:
    """Five documents for each registration, a third of the registrations with theirs waiting for
    review (the others validated), submitted a minute apart before `now`."""
    from matricule.documents.models import DocumentType, Submission

    types = list(DocumentType.objects.filter(code__in=DOCUMENT_CODES))
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
    created = Submission.objects.bulk_create(submissions, batch_size=5000)
    from matricule.documents import waiting

    waiting.rebuild()  # a bulk insert sends no signal: the review queue's order, as saves keep it
    return created


def bulk_payments(registrations, now: datetime.datetime, *, draft_residue: int = 0) -> None:
    """A payment for each registration but the drafts (every tenth, at `draft_residue`): most
    confirmed, one in 97 underpaid and held for review, one in 89 still pending."""
    from matricule.payments.models import Payment

    payments = []
    for n, registration in enumerate(registrations):
        if n % 10 == draft_residue:
            continue  # drafts pay nothing yet
        held, pending = n % 97 == 0, n % 89 == 0
        payments.append(
            Payment(
                registration=registration,
                reference=f"BENCH{n:08d}",
                gateway="simulator",
                amount_cents=17800,
                paid_cents=None if pending else (17000 if held else 17800),
                status="pending" if pending else ("to_review" if held else "confirmed"),
                anomaly="underpaid" if held else "",
                fee_key=f"registration-{registration.pk}",
                confirmed_at=None if pending or held else now,
            )
        )
    Payment.objects.bulk_create(payments, batch_size=5000)


# --- pages ---------------------------------------------------------------------------------------
def agent_client(username: str = "agent.chartres"):
    """The test client, signed in as a demo agent."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def timed(client, url: str, runs: int = 15) -> float:
    """Median server time of `runs` GETs of the page, in milliseconds (each must answer 200)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def profile_if_asked(client, url: str) -> None:
    """With BENCH_PROFILE set: one more GET of the page under cProfile, its top functions printed."""
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(client.get, url)
        pstats.Stats(profile).sort_stats("tottime").print_stats(12)


# --- documents ----------------------------------------------------------------------------------
def time_renders(render, items) -> tuple[list[float], list[int], float]:
    """Each item through `render`, one after the other: the times in milliseconds (sorted), the
    sizes of the documents in bytes, and the wall time of the whole run in seconds."""
    times, sizes = [], []
    started = time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        sizes.append(len(render(item)))
        times.append((time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - started
    return sorted(times), sizes, wall


def print_times(times: list[float]) -> tuple[float, float]:
    """The report line of sorted times in milliseconds; their median and 95th percentile."""
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"min_ms={times[0]:.2f} median_ms={median:.2f} p95_ms={p95:.2f} max_ms={times[-1]:.2f}")
    return median, p95


def profile_renders(render, items) -> None:
    """The top functions of a cProfile run of `render` over the items."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for item in items:
        render(item)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


# --- imports -------------------------------------------------------------------------------------
def peak_memory_mb() -> float:
    """Peak resident memory of the whole process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(importer, path: Path, year) -> tuple:
    """The import run of the file at `path` by `importer`, and its wall time in seconds."""
    started = time.perf_counter()
    with path.open("rb") as handle:
        run = importer(handle, academic_year=year, file_name=path.name)
    return run, time.perf_counter() - started


def print_again(label: str, run, elapsed: float) -> None:
    """The report line of an import of lines already imported (once, or all but a few): what it
    created, updated and left unchanged, and its wall time."""
    print(
        f"{label}: status={run.status} created={run.created} updated={run.updated} "
        f"unchanged={run.unchanged} time_s={elapsed:.2f}"
    )


def print_file(path: Path, lines: int, peak_before_mb: float) -> None:
    """The first lines of an import benchmark's report: the file, and the memory before."""
    print(f"file: {path.name} {path.stat().st_size / 1e6:.1f} MB, {lines} lines")
    # The seed's password hashing (Argon2) alone takes about 100 MB.
    print(f"peak memory before the imports (Django, migrations, seed): {peak_before_mb:.1f} MB")


# --- people with names ---------------------------------------------------------------------------
# First names as they come: a few very common ones (each about 2 % of the students, so a search
# for one of them finds thousands at 100 000), compound ones, accents.
FIRST_NAMES = (
    ["Marie", "Thomas", "Léa", "Lucas"]
    + ["Chloé", "Hugo", "Manon", "Louis", "Emma", "Nathan", "Camille", "Théo", "Inès", "Enzo"]
    + ["Anne-Marie", "Jean-Baptiste", "Zoé", "Maël", "Noémie", "Raphaël", "Yasmine", "Moussa"]
    + ["Aïcha", "Gaëlle", "Jérôme", "Hélène", "Clément", "Océane", "Mathéo", "Françoise"]
    + ["Adam", "Sarah", "Paul", "Julie", "Victor", "Lina", "Arthur", "Jade", "Gabriel", "Alice"]
    + ["Mohamed", "Amira", "Nolan", "Lola", "Axel", "Eva", "Sacha", "Romane", "Ethan", "Clara"]
)
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément",
    "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "N'Diaye", "Diallo",
    "Nguyen", "Ben Ahmed", "Da Silva", "Le Gall", "Cœur", "Hébert", "Pécresse", "Ørsted",
]  # fmt: skip


def person(n: int) -> tuple[str, str, str]:
    """The n-th bench person's (last name, first names, email): realistic, reproducible; the
    last names made many by a syllable after the common ones ("Martin", "Martinel"…)."""
    import unicodedata

    base = LAST_NAMES[(n * 7) % len(LAST_NAMES)]
    syllable = ["", "", "", "el", "ot", "eau", "ier", "as", "in", "ard"][(n // 11) % 10]
    last_name = base + syllable
    first_names = FIRST_NAMES[(n * 13) % len(FIRST_NAMES)]
    if n % 5 == 0:
        first_names += " " + FIRST_NAMES[(n * 17 + 3) % len(FIRST_NAMES)]
    ascii_name = unicodedata.normalize("NFKD", f"{first_names}.{last_name}").encode("ascii", "ignore")
    email = ascii_name.decode().lower().replace(" ", "-").replace("'", "") + f"{n}@example.org"
    return last_name.upper() if n % 3 == 0 else last_name, first_names, email


def ine_of(n: int) -> str:
    """An INE-shaped identifier (11 letters and digits), distinct for each n."""
    return f"{n:09d}K{n % 10}"


def bulk_people(count: int) -> list:
    """`count` students with an account each, named by `person`: usernames bench0, bench1…,
    student numbers 99000000, 99000001…, the account with the same names and the email."""
    from django.contrib.auth import get_user_model

    from matricule.registration.models import Student

    user_model = get_user_model()
    people = [person(n) for n in range(count)]
    users = user_model.objects.bulk_create(
        [
            user_model(username=f"bench{n}", last_name=last, first_name=first, email=email)
            for n, (last, first, email) in enumerate(people)
        ],
        batch_size=2000,
    )
    return Student.objects.bulk_create(
        [
            Student(user=u, student_number=f"99{n:06d}", last_name=people[n][0], first_names=people[n][1])
            for n, u in enumerate(users)
        ],
        batch_size=2000,
    )


@contextlib.contextmanager
def seeded_instance(*, test_client: bool = False):
    """The database of MATRICULE_DATABASE_URL as an earlier run of a benchmark left it (seeded,
    not emptied), as it is (migrate it first when a change adds indexes): Django set up on it,
    no seed, so that the same data can be timed before and after a change. Staff as in
    `demo_instance`."""
    with tempfile.TemporaryDirectory(prefix="matricule-bench-") as tmp:
        os.environ["DJANGO_SETTINGS_MODULE"] = "matricule.settings"
        os.environ["MATRICULE_VAR_DIR"] = tmp
        os.environ["MATRICULE_CACHE_URL"] = "locmem"
        os.environ.setdefault("MATRICULE_LOG_LEVEL", "WARNING")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings
        from django.test.utils import setup_test_environment

        if test_client:
            setup_test_environment()
            settings.MATRICULE_STAFF_REQUIRE_2FA = False
        yield Path(tmp)
