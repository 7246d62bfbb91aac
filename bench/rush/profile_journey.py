"""Where a journey's time goes, request by request, in one process (Django's test client).

Run by `bench/rush/run --profile` (same settings and database as the rush). For each step:
queries (and how many are writes or repeated), server time, SQL time; the top functions of the
slow steps with pyinstrument when installed (`--pyinstrument`). The first journey warms the
process up; the figures are the medians of the following ones.
"""

import argparse
import collections
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent), str(HERE)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rush_settings")

import django  # noqa: E402

django.setup()

import journey_data  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


class Journey:
    def __init__(self, profiler_steps=(), query_steps=()):
        self.client = Client(HTTP_HOST="127.0.0.1")
        self.rows = []
        self.profiler_steps = profiler_steps
        self.query_steps = query_steps
        self.profiles = {}
        self.queries = {}

    def go(self, method, url, name, data=None, expect=(200,), headers=None):
        profiler = None
        if any(name.startswith(p) for p in self.profiler_steps) and name not in self.profiles:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        with CaptureQueriesContext(connection) as queries:
            began, cpu = time.perf_counter(), time.process_time()
            response = getattr(self.client, method.lower())(url, data or {}, headers=headers)
            if hasattr(response, "streaming_content"):
                response.content_bytes = b"".join(response.streaming_content)
            elapsed = (time.perf_counter() - began) * 1000
            cpu = (time.process_time() - cpu) * 1000
        if profiler is not None:
            profiler.stop()
            self.profiles[name] = profiler.output_text(unicode=True, color=False, show_all=False)
        if response.status_code not in expect:
            raise RuntimeError(f"{name}: HTTP {response.status_code}")
        sqls = [q["sql"] for q in queries.captured_queries]
        if any(name.startswith(p) for p in self.query_steps) and name not in self.queries:
            self.queries[name] = sqls
        counts = collections.Counter(re.sub(r"\d+", "N", s) for s in sqls)
        self.rows.append(
            {
                "name": name,
                "ms": elapsed,
                "cpu_ms": cpu,
                "queries": len(sqls),
                "writes": sum(s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for s in sqls),
                "repeated": sum(c - 1 for c in counts.values() if c > 1),
                "sql_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
                "top": counts.most_common(3),
                "kinds": collections.Counter(sql.lstrip().split(" ", 1)[0].upper() for sql in sqls),
            }
        )
        return response

    def csrf(self, response):
        return journey_data.CSRF_RE.search(response.content.decode()).group(1)

    def run(self, person):
        c = self
        c.go("GET", "/", "01 public page")
        page = c.go("GET", "/connexion/", "02 login page")
        c.go(
            "POST",
            "/connexion/",
            "03 login request",
            {"csrfmiddlewaretoken": c.csrf(page), **journey_data.login_data(person)},
            expect=(302,),
        )
        c.go("GET", "/connexion/envoye/", "04 link sent page")
        began = time.perf_counter()
        call_command(
            "db_worker", queue_name="login,emails", batch=True, interval=0, startup_delay=False, verbosity=0
        )
        self.worker_ms = (time.perf_counter() - began) * 1000
        folder = Path(settings.MAILBOX_DIR) / person["email"]
        link = next(
            journey_data.LINK_RE.search(p.read_text()).group(1)
            for p in folder.glob("*.txt")
            if journey_data.LINK_RE.search(p.read_text())
        )
        page = c.go("GET", link, "05 link landing")
        home = c.go("POST", link, "06 link used", {"csrfmiddlewaretoken": c.csrf(page)}, expect=(302,))[
            "Location"
        ]
        page = c.go("GET", home, "07 student home")
        where = c.go(
            "POST",
            "/inscription/commencer/",
            "08 start",
            {"csrfmiddlewaretoken": c.csrf(page)},
            expect=(302,),
        )["Location"]
        registration = journey_data.REGISTRATION_RE.search(where).group(1)
        page = c.go("GET", where, f"09 step 1 {journey_data.STEPS[0]} (page)")
        for index, key in enumerate(journey_data.STEPS):
            data = journey_data.step_data(key, person)
            data.update(csrfmiddlewaretoken=c.csrf(page), action="next")
            # Sent by htmx, as in the rush: the answer is the next page, its address pushed.
            headers = journey_data.htmx_headers(f"http://127.0.0.1{where}")
            page = c.go("POST", where, f"10 step {index + 1} {key} (save)", data, headers=headers)
            if "HX-Push-Url" not in page:
                raise RuntimeError(f"step {key}: refused")
            where = page["HX-Push-Url"]
        pay = c.go("POST", where, "12 submit", {"csrfmiddlewaretoken": c.csrf(page)}, expect=(302,))[
            "Location"
        ]
        page = c.go("GET", pay, "13 payment page")
        page = c.go("POST", pay, "14 payment start", {"csrfmiddlewaretoken": c.csrf(page), "plan": "full"})
        action, order = journey_data.bank_form(page.content.decode())
        c.go("POST", action, "15 bank card page", order)
        back = c.go(
            "POST",
            "/simulateur-paiement/carte/",
            "16 bank payment",
            {**order, **journey_data.CARD},
            expect=(302,),
        )["Location"]
        clean = c.go("GET", back.replace(settings.SITE_URL, ""), "17 payment return", expect=(302,))[
            "Location"
        ]
        c.go("GET", clean, "18 payment outcome", expect=(200, 302))
        # The task worker meanwhile (confirmation email, activation), as in the rush.
        call_command(
            "db_worker", queue_name="login,emails", batch=True, interval=0, startup_delay=False, verbosity=0
        )
        c.go("GET", f"/inscription/{registration}/", "19 registration status")
        c.go("GET", f"/inscription/{registration}/recapitulatif.pdf", "20 summary download")
        page = c.go("GET", f"/inscription/{registration}/pieces/", "21 documents page")
        for url, (filename, content_type, content) in zip(
            journey_data.UPLOAD_RE.findall(page.content.decode()), journey_data.FILES, strict=False
        ):
            from django.core.files.uploadedfile import SimpleUploadedFile

            upload = SimpleUploadedFile(filename, content, content_type=content_type)
            # Sent by htmx, as in the rush: the answer is the documents page itself.
            page = c.go(
                "POST",
                url,
                "22 document upload",
                {"csrfmiddlewaretoken": c.csrf(page), "file": upload},
                headers=journey_data.htmx_headers(f"http://127.0.0.1/inscription/{registration}/pieces/"),
            )
        page = c.go("GET", "/etudiant/", "24 student home (end)")
        c.go("POST", "/deconnexion/", "25 log out", {"csrfmiddlewaretoken": c.csrf(page)}, expect=(302,))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--journeys", type=int, default=4)
    parser.add_argument("--candidates", default=str(Path(settings.VAR_DIR) / "candidates.json"))
    parser.add_argument("--skip", type=int, default=0, help="candidates already used by the rush")
    parser.add_argument("--pyinstrument", default="", help="comma-separated step prefixes to profile")
    parser.add_argument("--queries", default="", help="comma-separated step prefixes whose SQL to print")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    people = json.loads(Path(args.candidates).read_text())["candidates"][args.skip :]
    by_name = collections.defaultdict(list)
    worker = []
    profiles = {}
    for index in range(args.journeys):
        steps = tuple(p for p in args.pyinstrument.split(",") if p) if index == args.journeys - 1 else ()
        last = index == args.journeys - 1
        journey = Journey(steps, tuple(p for p in args.queries.split(",") if p) if last else ())
        journey.run(people[index])
        worker.append(journey.worker_ms)
        profiles.update(journey.profiles)
        if index == 0:
            # As matricule/wsgi.py does before the workers serve: the start-up heap frozen.
            from matricule.warmup import freeze_startup_heap

            freeze_startup_heap()
            continue  # warm-up
        for row in journey.rows:
            by_name[row["name"]].append(row)
    print(
        f"\n{'step':<36} {'queries':>7} {'writes':>6} {'repeat':>6} {'ms':>7} {'cpu ms':>7} {'sql ms':>7}  "
        "most frequent query"
    )
    for name, rows in by_name.items():
        top = rows[-1]["top"][0] if rows[-1]["top"] else ("", 0)
        print(
            f"{name:<36} {statistics.median(r['queries'] for r in rows):>7.0f} "
            f"{statistics.median(r['writes'] for r in rows):>6.0f} "
            f"{statistics.median(r['repeated'] for r in rows):>6.0f} "
            f"{statistics.median(r['ms'] for r in rows):>7.1f} "
            f"{statistics.median(r['cpu_ms'] for r in rows):>7.1f} "
            f"{statistics.median(r['sql_ms'] for r in rows):>7.1f}  {top[1]}× {top[0][:70]}"
        )
    journeys = max(1, args.journeys - 1)
    every = [row for rows in by_name.values() for row in rows]
    print(
        f"\nper journey: {len(every) / journeys:.0f} requests, "
        f"{sum(r['queries'] for r in every) / journeys:.0f} queries "
        f"({sum(r['writes'] for r in every) / journeys:.0f} writes), "
        f"{sum(r['ms'] for r in every) / journeys:.0f} ms of server time "
        f"({sum(r['cpu_ms'] for r in every) / journeys:.0f} ms CPU in the web process); "
        f"login email task in the worker {statistics.median(worker):.0f} ms"
    )
    kinds = collections.Counter()
    for row in every:
        kinds.update(row["kinds"])
    print("statements per journey: " + ", ".join(f"{k} {v / journeys:.0f}" for k, v in kinds.most_common()))
    for name, sqls in journey.queries.items():
        print(f"\n===== {name}: {len(sqls)} queries =====")
        for sql in sqls:
            print(sql[:200])
    for name, text in profiles.items():
        print(f"\n===== {name} =====\n{text}")
    if args.out:
        Path(args.out).write_text(json.dumps(dict(by_name), default=str))


if __name__ == "__main__":
    main()
