"""Benchmark of the enrolment certificate PDF: render, then sign a sample, in one process.

    .venv/bin/python bench/certificates.py [--count N] [--signed N] [--warmup N] [--profile]

No database: Django is set up only for settings and translations. Alternates French and English
certificates with different names, serials (so different QR codes) and a logo, as a bulk
generation for a programme would. Signs a sample with a self-signed P-256 key, as the demo does,
and checks one signature. Ends with the line
`BENCH certificates median_ms=… signed_median_ms=… total_s=…`: median time of one unsigned
certificate, median of one certificate rendered then signed, wall time of the unsigned run.
"""

import argparse
import datetime
import secrets
import statistics

from common import print_times, profile_renders, setup_django, time_renders

setup_django()

from matricule.certificates.certificate_pdf import render_certificate  # noqa: E402
from matricule.certificates.signing import generate_self_signed, sign_pdf, verify_pdf  # noqa: E402
from tests.certificates.pdfs import certificate  # noqa: E402

NAMES = [
    ("LEFÈVRE", "Chloé"),
    ("N'DIAYE", "Moussa"),
    ("NGUYỄN", "Thanh Hương"),
    ("WIŚNIEWSKA", "Łucja"),
    ("ȘTEFĂNESCU", "Ioana"),
    ("DUBOIS", "Éloi Jean-Baptiste"),
]
STAGES = [
    ("BUT GEII 1re année", "BUT Génie électrique et informatique industrielle"),
    ("Licence 2 Informatique", "Licence Informatique"),
    ("Master 1 Chimie", "Master Chimie, parcours Chimie analytique et qualité"),
]
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as serials are: no 0/O, 1/I


def make(n: int):
    """The tests' sample certificate (tests/certificates/pdfs.py, with its logo), for the n-th
    student: a name, a stage and a serial of their own."""
    last, first = NAMES[n % len(NAMES)]
    stage, programme = STAGES[n % len(STAGES)]
    serial = "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(4))
    return certificate(
        language="fr" if n % 2 == 0 else "en",
        last_name=last,
        first_names=first,
        birth_date=datetime.date(2006 + n % 3, 1 + n % 12, 1 + n % 28),
        student_number=f"226{n:05d}",
        ine="0494004062M" if n % 5 else "",
        stage_name=stage,
        programme_name=programme,
        serial=serial,
        verification_url=f"https://matricule.univ-orleans.fr/verifier/{serial}/",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="unsigned certificates to time")
    parser.add_argument("--signed", type=int, default=200, help="certificates to render and sign")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile run")
    args = parser.parse_args()

    key_pem, cert_pem = generate_self_signed("Université d'Orléans – Scolarité", "Université d'Orléans")

    def render_signed(item) -> bytes:
        return sign_pdf(render_certificate(item), key_pem=key_pem, cert_pem=cert_pem)

    warmup = [make(n) for n in range(args.warmup)]
    data = [make(n) for n in range(args.count)]
    sample = [make(n) for n in range(args.signed)]
    for item in warmup:
        render_signed(item)

    if args.profile:
        profile_renders(render_certificate, data[:300])
        return

    times, sizes, total = time_renders(render_certificate, data)
    signed_times, signed_sizes, _ = time_renders(render_signed, sample)
    check = verify_pdf(render_signed(sample[-1]), cert_pem)
    if not (check.intact and check.valid):
        raise SystemExit(f"the last signed certificate does not verify: {check}")

    print(f"count={len(times)} signed={len(signed_times)} warmup={args.warmup}")
    median, _ = print_times(times)
    signed_median = statistics.median(signed_times)
    mean_kb, signed_mean_kb = statistics.mean(sizes) / 1024, statistics.mean(signed_sizes) / 1024
    print(f"mean_kb={mean_kb:.1f} signed_mean_kb={signed_mean_kb:.1f}")
    print(
        f"BENCH certificates median_ms={median:.2f} signed_median_ms={signed_median:.2f} total_s={total:.2f}"
    )


if __name__ == "__main__":
    main()
