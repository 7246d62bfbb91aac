from pathlib import Path

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Write a self-signed signing key and certificate (PEM) for a demo or test instance; "
        "production uses a certificate from a trusted authority."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--name", default="Université d'Orléans (démonstration)")

    def handle(self, *args, folder, name, **options):
        from matricule.certificates.signing import generate_self_signed

        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        key, cert = target / "signing-key.pem", target / "signing-cert.pem"
        if not (key.exists() and cert.exists()):
            key_pem, cert_pem = generate_self_signed(name, name)
            key.write_bytes(key_pem)
            key.chmod(0o600)
            cert.write_bytes(cert_pem)
        self.stdout.write(f"MATRICULE_SIGNING_KEY={key}\nMATRICULE_SIGNING_CERT={cert}")
