from django.conf import settings
from django.core.management.base import BaseCommand

from matricule.demo.continuing import CONTINUING, PASSWORD, cvec_number_for, student_number
from matricule.demo.seed import cvec_number, demo_totp_secret, give_staff_known_second_factor, seed
from matricule.payments.services import gateway_for


class Command(BaseCommand):
    help = "Seed (or refresh) a realistic demo instance. Safe to run again."

    def handle(self, *args, **options):
        result = seed()
        if settings.MATRICULE_PAYMENT_SIMULATOR:
            # This instance's simulator secret, drawn now rather than by whichever process signs first.
            _secret = gateway_for("simulator").secret
        give_staff_known_second_factor([username for username, _password, _scope in result.staff])
        year = result.current_year
        self.stdout.write(
            self.style.SUCCESS(f"Demo ready: current campaign {year.code}, first registration open now.")
        )
        self.stdout.write("Staff logins (username / password / scope):")
        for username, password, scope in result.staff:
            self.stdout.write(
                f"  {username} / {password} / {scope} / authenticator secret {demo_totp_secret(username)}"
            )
        self.stdout.write(
            "  Second factor at /gestion/connexion/: add the secret to an authenticator app, "
            'or print the current code with\n    .venv/bin/python -c "import pyotp; '
            "print(pyotp.TOTP('SECRET').now())\""
        )
        chloe = result.candidates[0]
        self.stdout.write(
            "Admitted student to try at /connexion/ (the link is printed by the task worker):\n"
            f"  Parcoursup number P{chloe.parcoursup_number}, born "
            f"{chloe.birth_date:%d/%m/%Y}, email {chloe.email}, "
            f"CVEC attestation {cvec_number(year, chloe)}"
        )
        self.stdout.write(
            f"Continuing students, at /compte/connexion/ with password {PASSWORD} "
            "(or a link from /reinscription/connexion/ when never activated):"
        )
        previous = f"{year.first_year - 1}-{year.first_year}"
        from matricule.institution.models import AcademicYear

        last_year = AcademicYear.objects.get(code=previous)
        for key, suffix, last, first, _sex, stage, result, activated in CONTINUING:
            self.stdout.write(
                f"  {student_number(last_year, suffix)} {first} {last}: {stage} {result or 'no result yet'}"
                f"{'' if activated else ' (account never activated)'}, "
                f"CVEC {cvec_number_for(year, key)}"
            )
