"""Regenerate paybox_vectors.json and paybox_test_public.pem with the openssl command line, so that
the Paybox notification vectors are signed by a tool independent of our code (SHA1withRSA, base64,
then URL-encoded, as Paybox appends its `K` variable). The private keys live only in a temporary
directory. Run: python tests/payments/gateways/data/make_paybox_vectors.py"""

import base64
import json
import pathlib
import subprocess
import tempfile
from urllib.parse import quote

HERE = pathlib.Path(__file__).parent

PAID = (
    "montant=17500&reference=MAT0123456789ABCDEF&auto=XXXXXX&erreur=00000&appel=10452318"
    "&trans=60912345&date=08072024&heure=12%3A34%3A56"
)
REFUSED = (
    "montant=17500&reference=MAT0123456789ABCDEF&auto=&erreur=00105&appel=10452319"
    "&trans=60912346&date=08072024&heure=12%3A35%3A02"
)
CANCELLED = (
    "montant=17500&reference=MAT0123456789ABCDEF&auto=&erreur=00001&appel=10452320"
    "&trans=0&date=08072024&heure=12%3A36%3A40"
)
WAITING = (
    "montant=17500&reference=MAT0123456789ABCDEF&auto=&erreur=99999&appel=10452321"
    "&trans=60912347&date=08072024&heure=12%3A37%3A11"
)


def sign(key: pathlib.Path, data: str) -> str:
    raw = subprocess.run(
        ["openssl", "dgst", "-sha1", "-sign", str(key)], input=data.encode(), capture_output=True, check=True
    ).stdout
    return quote(base64.b64encode(raw).decode(), safe="")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paybox, forger = pathlib.Path(tmp, "paybox.pem"), pathlib.Path(tmp, "forger.pem")
        for key in (paybox, forger):
            subprocess.run(
                [
                    "openssl",
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    "rsa_keygen_bits:1024",
                    "-out",
                    str(key),
                ],
                check=True,
                capture_output=True,
            )
        public = subprocess.run(
            ["openssl", "pkey", "-in", str(paybox), "-pubout"], check=True, capture_output=True, text=True
        ).stdout
        rsa_public = subprocess.run(
            ["openssl", "rsa", "-in", str(paybox), "-RSAPublicKey_out"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        vectors = {
            "paid": f"{PAID}&signature={sign(paybox, PAID)}",
            "refused": f"{REFUSED}&signature={sign(paybox, REFUSED)}",
            "cancelled": f"{CANCELLED}&signature={sign(paybox, CANCELLED)}",
            "waiting": f"{WAITING}&signature={sign(paybox, WAITING)}",
            # Our notification URL had its own parameter; Paybox signed only what it appended.
            "url_parameter_unsigned": f"gw=paybox&{PAID}&signature={sign(paybox, PAID)}",
            # ... or signed the whole query string.
            "url_parameter_signed": f"gw=paybox&{PAID}&signature={sign(paybox, 'gw=paybox&' + PAID)}",
            "forged": f"{PAID}&signature={sign(forger, PAID)}",
        }
    (HERE / "paybox_test_public.pem").write_text(public)
    (HERE / "paybox_test_rsa_public.pem").write_text(rsa_public)
    (HERE / "paybox_vectors.json").write_text(json.dumps(vectors, indent=2) + "\n")


if __name__ == "__main__":
    main()
