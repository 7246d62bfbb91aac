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
import cProfile
import datetime
import io
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matricule.settings")

import django  # noqa: E402

django.setup()

from PIL import Image, ImageDraw  # noqa: E402

from matricule.certificates.certificate_pdf import CertificateData, render_certificate  # noqa: E402
from matricule.certificates.signing import generate_self_signed, sign_pdf, verify_pdf  # noqa: E402

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


def logo() -> bytes:
    image = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 590, 230), fill=(0, 80, 160, 255))
    draw.ellipse((40, 40, 200, 200), fill=(255, 200, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def make(n: int, logo_png: bytes) -> CertificateData:
    last, first = NAMES[n % len(NAMES)]
    stage, programme = STAGES[n % len(STAGES)]
    serial = "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(4))
    return CertificateData(
        language="fr" if n % 2 == 0 else "en",
        university_name="Université d'Orléans",
        component_name="IUT de Chartres",
        component_address_lines=["1 place Roger Joly", "28000 Chartres"],
        logo_png=logo_png,
        signatory_name="Marie DURAND",
        signatory_title="Directrice de l'IUT de Chartres",
        last_name=last,
        first_names=first,
        birth_date=datetime.date(2006 + n % 3, 1 + n % 12, 1 + n % 28),
        student_number=f"226{n:05d}",
        ine="0494004062M" if n % 5 else "",
        stage_name=stage,
        programme_name=programme,
        academic_year="2026-2027",
        serial=serial,
        verification_url=f"https://matricule.univ-orleans.fr/verifier/{serial}/",
        issued_on=datetime.date(2026, 11, 26),
        city="Chartres",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="unsigned certificates to time")
    parser.add_argument("--signed", type=int, default=200, help="certificates to render and sign")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile run")
    args = parser.parse_args()

    logo_png = logo()
    key_pem, cert_pem = generate_self_signed("Université d'Orléans – Scolarité", "Université d'Orléans")
    warmup = [make(n, logo_png) for n in range(args.warmup)]
    data = [make(n, logo_png) for n in range(args.count)]
    sample = [make(n, logo_png) for n in range(args.signed)]
    for item in warmup:
        sign_pdf(render_certificate(item), key_pem=key_pem, cert_pem=cert_pem)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for item in data[:300]:
            render_certificate(item)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return

    times, sizes = [], []
    started = time.perf_counter()
    for item in data:
        t0 = time.perf_counter()
        sizes.append(len(render_certificate(item)))
        times.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - started

    signed_times, signed_sizes, last = [], [], b""
    for item in sample:
        t0 = time.perf_counter()
        last = sign_pdf(render_certificate(item), key_pem=key_pem, cert_pem=cert_pem)
        signed_times.append((time.perf_counter() - t0) * 1000)
        signed_sizes.append(len(last))
    check = verify_pdf(last, cert_pem)
    if not (check.intact and check.valid):
        raise SystemExit(f"the last signed certificate does not verify: {check}")

    times.sort()
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    signed_median = statistics.median(signed_times)
    print(f"count={len(times)} signed={len(signed_times)} warmup={args.warmup}")
    print(f"min_ms={times[0]:.2f} median_ms={median:.2f} p95_ms={p95:.2f} max_ms={times[-1]:.2f}")
    mean_kb, signed_mean_kb = statistics.mean(sizes) / 1024, statistics.mean(signed_sizes) / 1024
    print(f"mean_kb={mean_kb:.1f} signed_mean_kb={signed_mean_kb:.1f}")
    print(
        f"BENCH certificates median_ms={median:.2f} signed_median_ms={signed_median:.2f} total_s={total:.2f}"
    )


if __name__ == "__main__":
    main()
