"""Benchmark of the registration summary PDF: time to render one summary, in one process.

    .venv/bin/python bench/summary_pdf.py [--runs N] [--warmup N] [--profile]

No database: Django is set up only for settings and translations. Alternates French and English
summaries with different names and document counts, as a worker would. Ends with the line
`BENCH summary_pdf median_ms=… p95_ms=… per_s=…` (per_s = summaries per second on one core).
"""

import argparse
import cProfile
import datetime
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matricule.settings")

import django  # noqa: E402

django.setup()

from matricule.certificates.summary import SummaryData, render_summary  # noqa: E402

NAMES = [("LEFÈVRE", "Chloé"), ("N'DIAYE", "Moussa"), ("NGUYEN", "Thanh Hương"), ("DUBOIS", "Éloi")]
DOCUMENTS = [
    "Pièce d'identité (carte nationale d'identité ou passeport)",
    "Relevé de notes du baccalauréat",
    "Attestation d'acquittement de la CVEC",
    "Photo d'identité",
    "Notification définitive de bourse du CROUS",
    "Attestation de responsabilité civile",
]


def make(n: int) -> SummaryData:
    last, first = NAMES[n % len(NAMES)]
    return SummaryData(
        language="fr" if n % 2 == 0 else "en",
        university_name="Université d'Orléans",
        component_name="IUT de Chartres",
        component_address_lines=["1 place Roger Joly", "28000 Chartres"],
        component_email="scolarite.iut-chartres@univ-orleans.fr",
        component_phones=["02 37 91 83 00"],
        academic_year="2026-2027",
        student_number=f"226{n:05d}",
        last_name=last,
        first_names=first,
        birth_date=datetime.date(2008, 1 + n % 12, 1 + n % 28),
        birth_place="Chartres (28)",
        ine="0494004062M",
        email=f"etudiant.{n}@example.org",
        stage_name="BUT GEII 1re année",
        programme_name="BUT Génie électrique et informatique industrielle",
        fee_lines=[("Droits d'inscription – licence, BUT", 17800)],
        total_cents=17800,
        payment_text="Payé par carte le 26/11/2026" if n % 2 == 0 else "Paid by card on 26/11/2026",
        documents=DOCUMENTS[: 3 + n % 4],
        issued_at=datetime.datetime(2026, 11, 26, 13, 5, tzinfo=datetime.UTC),
        serial=f"RS-2026-{n:06d}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile run")
    args = parser.parse_args()

    data = [make(n) for n in range(args.warmup + args.runs)]
    for item in data[: args.warmup]:
        render_summary(item)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for item in data[args.warmup :]:
            render_summary(item)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return

    times, sizes = [], []
    started = time.perf_counter()
    for item in data[args.warmup :]:
        t0 = time.perf_counter()
        sizes.append(len(render_summary(item)))
        times.append((time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - started

    times.sort()
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"runs={len(times)} warmup={args.warmup}")
    print(f"min_ms={times[0]:.2f} median_ms={median:.2f} p95_ms={p95:.2f} max_ms={times[-1]:.2f}")
    print(f"mean_kb={statistics.mean(sizes) / 1024:.1f} wall_s={wall:.2f}")
    print(f"BENCH summary_pdf median_ms={median:.2f} p95_ms={p95:.2f} per_s={len(times) / wall:.1f}")


if __name__ == "__main__":
    main()
