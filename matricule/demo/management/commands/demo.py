from django.core.management.base import BaseCommand

from matricule.demo.seed import cvec_number, seed


class Command(BaseCommand):
    help = "Seed (or refresh) a realistic demo instance. Safe to run again."

    def handle(self, *args, **options):
        result = seed()
        year = result.current_year
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: current campaign {year.code}, first registration open now."))
        self.stdout.write("Staff logins (username / password / scope):")
        for username, password, scope in result.staff:
            self.stdout.write(f"  {username} / {password} / {scope}")
        chloe = result.candidates[0]
        self.stdout.write(
            "Admitted student to try at /connexion/ (the link is printed by the task worker):\n"
            f"  Parcoursup number P{chloe.parcoursup_number}, born "
            f"{chloe.birth_date:%d/%m/%Y}, email {chloe.email}, "
            f"CVEC attestation {cvec_number(year, chloe)}")
