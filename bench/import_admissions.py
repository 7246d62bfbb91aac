"""Benchmark of the Parcoursup import: 100 000 lines into a fresh SQLite database.

    .venv/bin/python bench/import_admissions.py [--rows N]

Uses a throwaway database and folder (deleted at the end), migrates it, seeds the demo,
writes a CSV file with a few bad lines (as real exports have), imports it, imports it again
(the idempotent path), and ends with the line
`BENCH import_admissions rows=… time_s=… peak_mb=…` (time of the first import; peak resident
memory of the whole process, so it includes Django, the migrations and the seed).
"""

import argparse
import random
from pathlib import Path

from common import demo_instance, peak_memory_mb, print_again, print_file, timed_import

OFFER_CODES = ["GEII-1", "GEA-1", "GMP-1", "MP-1", "INFO-1", "LINFO-1"]
HEADER = (
    "numero_parcoursup;ine;nom;prenom;sexe;date_naissance;email;telephone;"
    "commune_naissance;pays_naissance;nationalite;adresse;code_postal;ville;pays;bac_annee;"
    "bac_serie;bac_mention;uai_lycee;code_formation_psup;code_situation;date_reponse;phase;"
    "boursier"
)
LAST_NAMES = ["MARTIN", "BERNARD", "LEFÈVRE", "N'DIAYE", "GARCIA", "NGUYEN", "DUBOIS", "MOREAU"]
FIRST_NAMES = ["Chloé", "Moussa", "Léa Anne", "Hugo", "Inès", "Thanh", "Zoé", "Éloi"]


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(2024)  # same file on every run
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(HEADER + "\r\n")
        for n in range(rows):
            offer = rng.choice(OFFER_CODES)
            situation = "1"
            birth = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2004, 2007)}"
            roll = rng.random()
            # About 1 % of each trap of the sample file.
            if roll < 0.01:
                birth = "31/02/2006"
            elif roll < 0.02:
                offer = "XXX-9"
            elif roll < 0.03:
                situation = rng.choice("023")
            last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
            out.write(
                ";".join(
                    [
                        f"P24{n:07d}",
                        "",
                        last,
                        first,
                        rng.choice("FM"),
                        birth,
                        f"candidat.{n}@example.org",
                        f"06{n:08d}",
                        "Chartres",
                        "France",
                        "FR",
                        f"{n % 200 + 1} rue des Écuyers",
                        "28000",
                        "Chartres",
                        "France",
                        "2024",
                        "Générale",
                        "Bien",
                        "0280007F",
                        offer,
                        situation,
                        "10/07/2024",
                        "principale",
                        rng.choice("ON"),
                    ]
                )
                + "\r\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    with demo_instance() as (tmp_path, demo):
        from matricule.admissions.importer import import_file

        csv_path = tmp_path / "admis.csv"
        write_file(csv_path, args.rows)
        peak_before_mb = peak_memory_mb()
        run, elapsed = timed_import(import_file, csv_path, demo.current_year)
        again, elapsed_again = timed_import(import_file, csv_path, demo.current_year)
        peak_mb = peak_memory_mb()
        print_file(csv_path, args.rows, peak_before_mb)
        print(
            f"first import: status={run.status} created={run.created} "
            f"rejected={run.rejected} unmapped={run.unmapped} "
            f"not_accepted={run.not_accepted} issues={run.issues.count()}"
        )
        print_again("second import", again, elapsed_again)
        print(f"BENCH import_admissions rows={args.rows} time_s={elapsed:.2f} peak_mb={peak_mb:.1f}")


if __name__ == "__main__":
    main()
