"""Seeds the rush benchmark's database: the demo institution (University of Orléans, current
campaign open since two days) and N admitted candidates in BUT GEII 1 who owe the fee, each
with a CVEC attestation known to the simulator; sets the waiting room of the window.

    python bench/rush/seed.py --candidates N --out candidates.json [--gate-capacity C | --no-gate]
"""

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent), str(HERE)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rush_settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from matricule.admissions.models import Candidate  # noqa: E402
from matricule.cvec.demo import demo_number  # noqa: E402
from matricule.cvec.models import SimulatedAttestation  # noqa: E402
from matricule.demo.seed import seed  # noqa: E402
from matricule.institution.models import Population, RegistrationWindow, Stage  # noqa: E402
from matricule.waitingroom import gate as gates  # noqa: E402
from matricule.waitingroom.models import Gate  # noqa: E402

FIRST_NUMBER = 900_000  # Parcoursup numbers of the bench: 26900000, 26900001, ...


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--gate-capacity", type=int, default=0, help="0: no waiting room")
    parser.add_argument("--idle-minutes", type=int, default=5)
    args = parser.parse_args()

    result = seed()
    year = result.current_year
    stage = Stage.objects.get(parcoursup_code="GEII-1")
    birth = datetime.date(year.first_year - 18, 5, 17)
    people = []
    with transaction.atomic():
        candidates, attestations = [], []
        for i in range(args.candidates):
            number = f"{year.first_year % 100:02d}{FIRST_NUMBER + i}"
            email = f"rush{i}@bench.invalid"
            cvec = demo_number(10_000_000 + i, year.code)
            candidates.append(
                Candidate(
                    academic_year=year,
                    parcoursup_number=number,
                    last_name=f"RUSH{i}",
                    first_names="Camille",
                    sex="F",
                    birth_date=birth,
                    email=email,
                    email_lower=email,
                    parcoursup_offer_code="GEII-1",
                    stage=stage,
                    situation="1",
                    phase="principale",
                    grant_holder_hint=False,
                    nationality="FR",
                    bac_year=year.first_year,
                    city="Chartres",
                    postal_code="28000",
                    source_checksum=f"rush{i}",
                )
            )
            attestations.append(
                SimulatedAttestation(
                    number=cvec,
                    last_name=f"RUSH{i}",
                    first_names="Camille",
                    birth_date=birth,
                    ine="",
                    crous="Crous Orléans-Tours",
                    academic_year_code=year.code,
                )
            )
            people.append(
                {"number": f"P{number}", "birth_date": birth.isoformat(), "email": email, "cvec": cvec}
            )
        Candidate.objects.bulk_create(candidates, batch_size=2000)
        SimulatedAttestation.objects.bulk_create(attestations, batch_size=2000)

    window = RegistrationWindow.objects.get(
        academic_year=year, population=Population.FIRST_MAIN, components__isnull=True
    )
    gate, _created = Gate.objects.update_or_create(
        window=window,
        defaults={
            "enabled": args.gate_capacity > 0,
            "capacity": max(1, args.gate_capacity),
            "idle_minutes": args.idle_minutes,
        },
    )
    gates.reset(gate.pk, gate.capacity)
    Path(args.out).write_text(json.dumps({"year": year.code, "candidates": people}))
    state = f"waiting room capacity {gate.capacity}" if gate.enabled else "no waiting room"
    print(f"seeded {year.code}: {args.candidates} admitted candidates, {state}")


if __name__ == "__main__":
    main()
