"""Benchmark of the registration summary PDF: time to render one summary, in one process.

    .venv/bin/python bench/summary_pdf.py [--runs N] [--warmup N] [--profile]

No database: Django is set up only for settings and translations. Alternates French and English
summaries with different names and document counts, as a worker would. Ends with the line
`BENCH summary_pdf median_ms=… p95_ms=… per_s=…` (per_s = summaries per second on one core).
"""

import argparse
import datetime
import statistics

from common import print_times, profile_renders, setup_django, time_renders

setup_django()

from matricule.certificates.summary import render_summary  # noqa: E402
from tests.certificates.pdfs import summary  # noqa: E402

NAMES = [("LEFÈVRE", "Chloé"), ("N'DIAYE", "Moussa"), ("NGUYEN", "Thanh Hương"), ("DUBOIS", "Éloi")]
DOCUMENTS = [
    "Pièce d'identité (carte nationale d'identité ou passeport)",
    "Relevé de notes du baccalauréat",
    "Attestation d'acquittement de la CVEC",
    "Photo d'identité",
    "Notification définitive de bourse du CROUS",
    "Attestation de responsabilité civile",
]


def make(n: int):
    """The tests' sample summary (tests/certificates/pdfs.py), for the n-th student."""
    last, first = NAMES[n % len(NAMES)]
    return summary(
        language="fr" if n % 2 == 0 else "en",
        student_number=f"226{n:05d}",
        last_name=last,
        first_names=first,
        birth_date=datetime.date(2008, 1 + n % 12, 1 + n % 28),
        email=f"etudiant.{n}@example.org",
        payment_text="Payé par carte le 26/11/2026" if n % 2 == 0 else "Paid by card on 26/11/2026",
        documents=DOCUMENTS[: 3 + n % 4],
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
        profile_renders(render_summary, data[args.warmup :])
        return

    times, sizes, wall = time_renders(render_summary, data[args.warmup :])
    print(f"runs={len(times)} warmup={args.warmup}")
    median, p95 = print_times(times)
    print(f"mean_kb={statistics.mean(sizes) / 1024:.1f} wall_s={wall:.2f}")
    print(f"BENCH summary_pdf median_ms={median:.2f} p95_ms={p95:.2f} per_s={len(times) / wall:.1f}")


if __name__ == "__main__":
    main()
