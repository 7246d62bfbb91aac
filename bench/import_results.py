"""Benchmark of last year's results import: 100 000 lines into a fresh SQLite database.

    .venv/bin/python bench/import_results.py [--lines N]

Uses a throwaway database and folder (deleted at the end), migrates it, seeds the demo,
writes a results file with a few bad lines (as real exports have), imports it, imports it
again (the idempotent path), then a third time with 1 % of the results changed (the update
path), and ends with the line
`BENCH import_results lines=… time_s=… per_s=… peak_mb=…` (time of the first import; peak
resident memory of the whole process, so it includes Django, the migrations and the seed).
"""

import argparse
import random
import time
from pathlib import Path

from common import demo_instance, peak_memory_mb, print_again, print_file, timed_import

HEADER = "numero_etudiant;annee;code_etape;resultat"
# Stages the demo seeds.
STAGES = ["GEII-1", "GEII-2", "GEII-3", "GEA-1", "GEA-2", "GEA-3"]
RESULTS = ["ADM"] * 6 + ["AJAC", "AJ", "AJ", "DEF", "EXC", "DIP"]


def write_file(path: Path, lines: int, *, changed: float = 0.0) -> None:
    rng = random.Random(2024)  # same file on every run
    change = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\r\n")
        for n in range(lines):
            stage = rng.choice(STAGES)
            result = rng.choice(RESULTS)
            year = "2023-2024"
            roll = rng.random()
            # About 1 % each of an unknown stage, a bad result and a bad year.
            if roll < 0.01:
                stage = "XXX-9"
            elif roll < 0.02:
                result = "XYZ"
            elif roll < 0.03:
                year = "2023-2025"
            if changed and change.random() < changed:
                result = "AJ" if result != "AJ" else "ADM"
            out.write(f"{23000000 + n};{year};{stage};{result}\r\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()

    with demo_instance() as (tmp_path, demo):
        from matricule.admissions.results_importer import import_results

        csv_path = tmp_path / "resultats.csv"
        changed_path = tmp_path / "resultats-changed.csv"
        write_file(csv_path, args.lines)
        write_file(changed_path, args.lines, changed=0.01)
        peak_before_mb = peak_memory_mb()

        cpu_started = time.process_time()
        run, elapsed = timed_import(import_results, csv_path, demo.current_year)
        # CPU time of this process alone: on a busy machine, wall time also counts waiting.
        cpu = time.process_time() - cpu_started
        again, elapsed_again = timed_import(import_results, csv_path, demo.current_year)
        changed, elapsed_changed = timed_import(import_results, changed_path, demo.current_year)

        peak_mb = peak_memory_mb()
        print_file(csv_path, args.lines, peak_before_mb)
        print(
            f"first import: status={run.status} created={run.created} "
            f"rejected={run.rejected} issues={run.issues.count()} cpu_s={cpu:.2f}"
        )
        print_again("second import (same file)", again, elapsed_again)
        print_again("third import (1 % changed)", changed, elapsed_changed)
        print(
            f"BENCH import_results lines={args.lines} time_s={elapsed:.2f} "
            f"per_s={args.lines / elapsed:.0f} peak_mb={peak_mb:.1f}"
        )


if __name__ == "__main__":
    main()
