"""The Python side of scripts/upgrade-check: fill a baseline database, record what it holds, and
check after the current migrations that all of it is still there.

Run from the root of the tree whose code should read the database, with its settings
(MATRICULE_VAR_DIR, MATRICULE_DATABASE_URL) in the environment:

    python scripts/upgrade_check.py fill                       # baseline tree, after `manage.py demo`
    python scripts/upgrade_check.py queue                      # baseline tree: emails left queued
    python scripts/upgrade_check.py snapshot BEFORE.json       # baseline tree
    python scripts/upgrade_check.py compare BEFORE.json AFTER.json   # current tree, after `migrate`
    python scripts/upgrade_check.py db url|create|drop URL     # PostgreSQL: the scratch database

`snapshot` and `compare` find models through Django's app registry by class name, never by import
path, so the same code reads the database before and after models move between apps. Only `fill`
and `queue` use the baseline's own modules (they always run in the baseline tree).
"""

import base64
import binascii
import datetime
import decimal
import hashlib
import json
import os
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

# What a record is known by, and what must not change. Looked up by model class name; the
# lookups follow relations by field name, which a move between apps keeps.
RECORDS = [
    (
        "registrations",
        "Registration",
        "pk",
        [
            "state",
            "kind",
            "student_id",
            "student__student_number",
            "student__user__username",
            "academic_year__code",
            "stage__code",
            "fee_total_cents",
            "submitted_at",
            "registered_at",
            "cancelled_at",
        ],
    ),
    ("students", "Student", "pk", ["student_number", "user__username", "last_name", "birth_date"]),
    (
        "payments",
        "Payment",
        "reference",
        [
            "registration_id",
            "status",
            "amount_cents",
            "paid_cents",
            "refunded_cents",
            "gateway",
            "manual",
            "instalment",
            "due_on",
            "confirmed_at",
        ],
    ),
    ("document submissions", "Submission", "pk", ["registration_id", "document_type__code", "status"]),
    ("document versions", "Version", "pk", ["submission_id", "file", "size", "sha256", "content_type"]),
    (
        "issued documents",
        "IssuedDocument",
        "serial",
        ["kind", "status", "registration_id", "language", "file", "data_hash", "signed", "revoked_at"],
    ),
    ("requests", "Request", "pk", ["kind", "state", "registration_id"]),
    ("request attachments", "Attachment", "pk", ["request_id", "file", "size", "sha256"]),
    ("emails", "Email", "pk", ["to", "subject", "status"]),
    ("users", None, "username", ["email", "is_staff", "is_superuser", "is_active", "password"]),
    ("audit events", "Event", "pk", ["action", "object_type", "object_id", "actor_id", "created_at"]),
]
# Counters, claims and sessions rather than records: they may be emptied or move to the cache.
TRANSIENT = {"Session", "Throttle", "ReviewClaim", "ContentType", "Permission"}
VERDICTS = {
    "valid": ("Authentique et valide", "Authentic and valid"),
    "revoked": ("Révoqué", "Revoked"),
}


def setup_django():
    sys.path.insert(0, str(Path.cwd()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matricule.settings")
    import django

    django.setup()


def plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def models_named(name):
    from django.apps import apps

    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.object_name == name and not m._meta.proxy and m._meta.managed
    ]


def find_model(name, table=None):
    """The model called `name`: the one on `table` if several are, else the only one."""
    if name is None:
        from django.contrib.auth import get_user_model

        return get_user_model()
    found = models_named(name)
    same_table = [m for m in found if m._meta.db_table == table]
    if same_table:
        return same_table[0]
    if len(found) == 1:
        return found[0]
    raise LookupError(f"{len(found)} models called {name} ({', '.join(m._meta.label for m in found)})")


# --- Snapshot --------------------------------------------------------------------------------------


def read_records(name, key, fields, table=None):
    # The base manager throughout: a default manager may hide rows (archived, soft-deleted).
    from django.core.exceptions import FieldError
    from django.db import DatabaseError

    try:
        model = find_model(name, table)
    except LookupError as error:
        return {"error": str(error)}
    rows, errors = {}, {}
    for field in fields:  # one query each, so that a missing field names itself
        try:
            for row_key, value in model._base_manager.values_list(key, field):
                rows.setdefault(str(row_key), {})[field] = plain(value)
        except (FieldError, DatabaseError) as error:
            errors[field] = str(error).split("\n")[0]
    return {"model": model._meta.label, "table": model._meta.db_table, "rows": rows, "errors": errors}


def read_tables():
    from django.apps import apps
    from django.db import DatabaseError

    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        try:
            rows = model._base_manager.count()
        except DatabaseError:
            rows = -1  # no table: counted as every row lost
        tables[meta.label] = {"name": meta.object_name, "table": meta.db_table, "rows": rows}
    return tables


def raw_count(table):
    from django.db import connection

    if table not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        # The name comes from the model registry of the baseline, quoted: not user input.
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchone()[0]


def read_files():
    """Every file a FileField names: does it open, and what does it hold."""
    from django.apps import apps
    from django.db import DatabaseError, models

    files = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for field in meta.concrete_fields:
            if not isinstance(field, models.FileField):
                continue
            try:
                rows = list(model._base_manager.exclude(**{field.name: ""}).values_list("pk", field.name))
            except DatabaseError:
                continue  # no table: the model's own checks report it
            for pk, name in rows:
                if not name:
                    continue
                entry = {"name": name}
                try:
                    with field.storage.open(name, "rb") as handle:
                        content = handle.read()
                except Exception as error:  # reported: any failure to open is a lost file
                    entry["error"] = f"{type(error).__name__}: {error}"
                else:
                    entry["size"] = len(content)
                    entry["sha256"] = hashlib.sha256(content).hexdigest()
                files[f"{meta.object_name}.{field.name} {pk}"] = entry
    return files


def _secret_bytes(base32: str) -> str:
    text = base32.strip().replace(" ", "").upper()
    return base64.b32decode(text + "=" * (-len(text) % 8)).hex()


def read_second_factors():
    """username -> the TOTP secrets of the account (as hex), wherever the code keeps them: a
    `totp_secret` field (base32) or django-otp's TOTPDevice (hex `key`)."""
    from django.apps import apps
    from django.db import DatabaseError

    found = {}
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        label = model._meta.label
        try:
            if "totp_secret" in names and "user" in names:
                confirmed = "totp_confirmed_at" in names
                fields = ["user__username", "totp_secret"] + (["totp_confirmed_at"] if confirmed else [])
                for row in model._base_manager.exclude(totp_secret="").values_list(*fields):
                    try:
                        secret = _secret_bytes(row[1])
                    except (binascii.Error, ValueError):
                        secret = "unreadable:" + hashlib.sha256(row[1].encode()).hexdigest()
                    is_confirmed = bool(row[2]) if confirmed else True
                    found.setdefault(row[0], []).append(
                        {"secret": secret, "confirmed": is_confirmed, "in": label}
                    )
            elif model._meta.object_name == "TOTPDevice" and {"key", "user", "confirmed"} <= names:
                rows = model._base_manager.values_list("user__username", "key", "confirmed")
                for username, key, confirmed in rows:
                    found.setdefault(username, []).append(
                        {"secret": key.lower(), "confirmed": confirmed, "in": label}
                    )
        except DatabaseError:
            continue  # no table: the table checks report it
    return found


def read_queued_tasks():
    try:
        model = find_model("DBTaskResult")
    except LookupError:
        return {}
    return {
        str(pk): {"task_path": path, "status": status}
        for pk, path, status in model._base_manager.filter(status="READY").values_list(
            "id", "task_path", "status"
        )
    }


def verdict(content: str, status: int) -> str:
    if status != 200:
        return f"HTTP {status}"
    found = [name for name, markers in VERDICTS.items() if any(m in content for m in markers)]
    return found[0] if len(found) == 1 else "unreadable"


def read_verification_pages(serials):
    """The public page each QR code points to, as an anonymous visitor sees it."""
    from django.conf import settings
    from django.test import Client

    host = urlsplit(settings.SITE_URL).netloc or "127.0.0.1"
    client = Client()
    pages = {}
    for number, serial in enumerate(sorted(serials)):
        path = f"/verifier/{serial}/"
        # One address per visit: the page's rate limit must not turn checks into refusals.
        address = f"10.{number // 250 % 250}.{number % 250}.1"
        try:
            response = client.get(path, HTTP_HOST=host, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="fr")
        except Exception as error:  # reported as the page's answer
            pages[serial] = f"error {type(error).__name__}: {error}"
            continue
        pages[serial] = verdict(response.content.decode(errors="replace"), response.status_code)
    return pages


def snapshot(tables=None) -> dict:
    """`tables`: title -> the table the baseline read, to tell apart models of the same name."""
    from django.db import connection

    tables = tables or {}
    records = {
        title: read_records(name, key, fields, tables.get(title)) for title, name, key, fields in RECORDS
    }
    issued = records["issued documents"].get("rows", {})
    return {
        "vendor": connection.vendor,
        "records": records,
        "tables": read_tables(),
        "files": read_files(),
        "second_factors": read_second_factors(),
        "queued_tasks": read_queued_tasks(),
        # Last: the visits add rate-limit rows and perhaps audit events.
        "verification": read_verification_pages(issued),
    }


# --- Comparison ------------------------------------------------------------------------------------


def compare(before: dict, after: dict) -> tuple[list[str], list[str]]:
    """(what is lost or changed, what is worth knowing)."""
    lost, notes = [], []

    for title, old in before["records"].items():
        new = after["records"].get(title, {})
        if "error" in old or old.get("errors"):
            lost.append(f"{title}: the baseline could not be read ({old.get('error') or old['errors']})")
            continue
        if "error" in new:
            lost.append(f"{title}: {new['error']}")
            continue
        for field, error in new.get("errors", {}).items():
            lost.append(f"{title}: {field} cannot be read any more ({error})")
        for key, values in old["rows"].items():
            now = new["rows"].get(key)
            if now is None:
                lost.append(f"{title}: {key} is gone")
                continue
            for field, value in values.items():
                if field in new.get("errors", {}):
                    continue
                if now.get(field) != value:
                    lost.append(f"{title}: {key} {field} was {value!r}, is {now.get(field)!r}")
        if old["table"] != new["table"] or old["model"] != new["model"]:
            notes.append(f"{title}: {old['model']} ({old['table']}) is now {new['model']} ({new['table']})")

    # Models that move between apps must keep their tables and rows: a model is followed by its
    # class name (on its old table if several share the name).
    tables_after = after["tables"]
    for label, old in before["tables"].items():
        if old["name"] in TRANSIENT:
            continue
        now = label if tables_after.get(label, {}).get("name") == old["name"] else None
        if now is None:
            same_name = [lbl for lbl, t in tables_after.items() if t["name"] == old["name"]]
            same_table = [lbl for lbl in same_name if tables_after[lbl]["table"] == old["table"]]
            now = (same_table or same_name)[0] if same_table or len(same_name) == 1 else None
            if now is not None:
                notes.append(f"{label} is now {now} (table {tables_after[now]['table']})")
        if now is None:
            left = after.get("raw_counts", {}).get(old["table"])
            if left is not None and left >= old["rows"]:
                notes.append(f"{label} is no longer a model; its table {old['table']} keeps {left} rows")
            elif old["rows"]:
                lost.append(f"{label} (table {old['table']}, {old['rows']} rows) is gone")
            continue
        current = tables_after[now]
        if current["table"] != old["table"]:
            notes.append(f"{label}: table {old['table']} renamed {current['table']}")
        if current["rows"] < 0:
            lost.append(f"{label}: its table {current['table']} is missing ({old['rows']} rows before)")
        elif current["rows"] < old["rows"]:
            lost.append(f"{label} ({current['table']}): {old['rows']} rows before, {current['rows']} after")
    old_tables = {t["table"] for t in before["tables"].values()}
    new_tables = sorted(t["table"] for t in tables_after.values() if t["table"] not in old_tables)
    if new_tables:
        notes.append("new tables: " + ", ".join(new_tables))

    for key, old in before["files"].items():
        if "error" in old:
            lost.append(f"file {key} ({old['name']}) did not open in the baseline: {old['error']}")
            continue
        new = after["files"].get(key)
        if new is None:
            lost.append(f"file {key} ({old['name']}) is no longer referenced")
        elif "error" in new:
            lost.append(f"file {key} ({new['name']}) does not open: {new['error']}")
        elif (new["name"], new["sha256"]) != (old["name"], old["sha256"]):
            lost.append(
                f"file {key}: was {old['name']} ({old['size']} bytes), is {new['name']} ({new['size']} bytes)"
            )

    for username, secrets in before["second_factors"].items():
        have = {(s["secret"], s["confirmed"]) for s in after["second_factors"].get(username, [])}
        for secret in secrets:
            if (secret["secret"], secret["confirmed"]) not in have:
                state = "confirmed" if secret["confirmed"] else "pending"
                lost.append(
                    f"second factor of {username} ({state}, was in {secret['in']}) is gone or changed"
                )
    moved = {s["in"] for secrets in after["second_factors"].values() for s in secrets}
    if moved:
        notes.append("second factors read from " + ", ".join(sorted(moved)))

    from django.utils.module_loading import import_string

    for pk, task in before["queued_tasks"].items():
        path = after["queued_tasks"].get(pk, {}).get("task_path")
        if path is None:
            lost.append(f"queued task {pk} ({task['task_path']}) is gone")
            continue
        if path != task["task_path"]:
            notes.append(f"queued task {task['task_path']} now points at {path}")
        # What the worker will import (a migration may rewrite the path of a task that moved).
        try:
            found = import_string(path)
        except ImportError as error:
            lost.append(f"queued task {pk}: {path} cannot be imported any more ({error})")
            continue
        if not hasattr(found, "enqueue"):
            lost.append(f"queued task {pk}: {path} is no longer a task")

    issued = before["records"].get("issued documents", {}).get("rows", {})
    for serial, page in before["verification"].items():
        expected = issued.get(serial, {}).get("status")
        if page != expected:
            lost.append(f"verification of {serial} in the baseline said {page!r}, its status is {expected!r}")
        new = after["verification"].get(serial)
        if new != page:
            lost.append(f"verification of {serial}: was {page!r}, is now {new!r}")
    return lost, notes


def summary_line(title, before, after) -> str:
    def count(snap):
        part = snap["records"].get(title, {})
        return len(part.get("rows", {})) if "rows" in part else "?"

    return f"  {title:<22} {count(before):>5} → {count(after)}"


def command_compare(before_path: str, after_path: str) -> int:
    before = json.loads(Path(before_path).read_text())
    after = snapshot({title: part.get("table") for title, part in before["records"].items()})
    after["raw_counts"] = {
        t["table"]: raw_count(t["table"])
        for t in before["tables"].values()
        if t["table"] not in {n["table"] for n in after["tables"].values()}
    }
    Path(after_path).write_text(json.dumps(after, indent=1, sort_keys=True))
    lost, notes = compare(before, after)
    print(f"Records before → after the upgrade ({after['vendor']}):")
    for title, *_rest in RECORDS:
        print(summary_line(title, before, after))
    revoked = sum(1 for v in before["verification"].values() if v == "revoked")
    print(f"  {'files':<22} {len(before['files']):>5} → {len(after['files'])}")
    print(f"  {'second factors':<22} {len(before['second_factors']):>5} → {len(after['second_factors'])}")
    print(f"  {'queued tasks':<22} {len(before['queued_tasks']):>5} → {len(after['queued_tasks'])}")
    print(f"  {'verification pages':<22} {len(before['verification']):>5} ({revoked} revoked)")
    for note in notes:
        print(f"  note: {note}")
    if lost:
        print(f"\nLOST OR CHANGED by the upgrade ({len(lost)}):")
        for line in lost:
            print(f"  - {line}")
        return 1
    print("Nothing lost: every record, file, second factor and queued task is still there, and every")
    print("issued document's verification page answers as before.")
    return 0


# --- The baseline's data ---------------------------------------------------------------------------


def command_fill() -> None:
    """What `manage.py demo` leaves out, made through the baseline's own services: payments
    (refused, confirmed, by instalments, by cheque), documents (refused, replaced, validated),
    certificates (valid and revoked), requests with files, a student's second factor."""
    import urllib.parse

    import pyotp
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from matricule.accounts.models import AccountSecurity
    from matricule.admissions.models import Candidate
    from matricule.certificates import services as certificates
    from matricule.cvec.demo import seed_attestation
    from matricule.demo.seed import cvec_number
    from matricule.documents import services as documents
    from matricule.documents.models import RefusalReason
    from matricule.institution.models import AcademicYear, Stage
    from matricule.payments import services as payments
    from matricule.payments.models import Payment
    from matricule.payments.simulator.gateway import signed
    from matricule.registration.services import cancel_registration
    from matricule.requests import services as requests
    from tests.documents.conftest import pdf_bytes, png_bytes
    from tests.payments.conftest import submitted_registration

    admin = get_user_model().objects.get(username="admin")
    year = AcademicYear.objects.get(is_current=True)
    candidates = {c.first_names.split()[0].lower(): c for c in Candidate.objects.filter(academic_year=year)}

    def admitted(number, last_name, first_names, stage_code):
        """One more admitted candidate, on the main list, with a CVEC attestation."""
        candidate = Candidate.objects.create(
            academic_year=year,
            parcoursup_number=number,
            last_name=last_name,
            first_names=first_names,
            birth_date=datetime.date(2007, 1, 1),
            email=f"{first_names.lower()}.{last_name.lower()}@example.org",
            parcoursup_offer_code=stage_code,
            stage=Stage.objects.get(code=stage_code),
            situation="1",
            phase="principale",
        )
        seed_attestation(
            number=cvec_number(year, candidate),
            last_name=last_name,
            first_names=first_names,
            birth_date=candidate.birth_date,
            ine="",
            academic_year_code=year.code,
        )
        return candidate

    def bank(payment, status):
        fields = {
            "reference": payment.reference,
            "amount": str(payment.amount_cents),
            "currency": "EUR",
            "status": status,
            "transaction_id": f"t-{payment.pk}",
        }
        body = urllib.parse.urlencode(signed(fields, payments.gateway_for("simulator").secret)).encode()
        payments.receive("simulator", channel="server", method="POST", query="", body=body)

    def documents_validated(registration, refuse_one=False):
        reason = RefusalReason.objects.first()
        for number, submission in enumerate(registration.submissions.all()):
            content = pdf_bytes(2) if number % 2 else png_bytes(60 + number, 40, (20 * number, 80, 160))
            name = "piece.pdf" if number % 2 else "piece.png"
            kind = "application/pdf" if number % 2 else "image/png"
            documents.upload(
                submission, SimpleUploadedFile(name, content, kind), actor=registration.student.user
            )
            if refuse_one and number == 0:
                documents.decide(submission, agent=admin, validate=False, reason=reason, comment="Illisible.")
                replacement = SimpleUploadedFile("nette.png", png_bytes(300, 400), "image/png")
                documents.upload(submission, replacement, actor=registration.student.user)
            documents.decide(submission, agent=admin, validate=True)

    # Chloé: a refused card, then a confirmed one; documents; certificates; two requests.
    chloe = submitted_registration(candidates["chloé"], year)
    failed, _action = payments.start_payment(chloe)
    bank(failed, "failed")
    paid, _action = payments.start_payment(chloe)
    bank(paid, "confirmed")
    chloe.refresh_from_db()
    documents_validated(chloe, refuse_one=True)
    certificates.issue_certificate(chloe, "fr")
    certificates.issue_certificate(chloe, "en")
    certificates.issue_receipt(Payment.objects.get(pk=paid.pk), "fr")
    address = {"street": "3 place des Halles", "postal_code": "45000", "city": "Orléans", "country": "France"}
    moved = requests.file_request(chloe, "address_change", address, actor=chloe.student.user)
    requests.accept(moved, actor=admin, message="Nouvelle adresse enregistrée.")
    declaration = SimpleUploadedFile("declaration.pdf", pdf_bytes(1), "application/pdf")
    requests.file_request(
        chloe,
        "card_reissue",
        {"reason": "lost", "details": "Perdue"},
        [declaration],
        actor=chloe.student.user,
    )
    AccountSecurity.objects.update_or_create(
        user=chloe.student.user,
        defaults={"totp_secret": pyotp.random_base32(), "totp_confirmed_at": timezone.now()},
    )

    # Léa: three instalments, the first paid by card, the others scheduled.
    lea = submitted_registration(candidates["léa"], year)
    first, _action = payments.start_payment(lea, instalments=True)
    bank(first, "confirmed")
    lea.refresh_from_db()
    certificates.issue_summary(lea, "fr")

    # Inès: a grant holder, registered, certified, then cancelled: her certificate is revoked.
    ines = submitted_registration(admitted("0099001", "ROUSSEL", "Inès", "GEA-1"), year, grant="crous")
    documents_validated(ines)
    certificates.issue_certificate(ines, "fr")
    cancel_registration(ines, actor=admin, reason="Désistement")

    # Moussa: a cheque at the desk.
    moussa = submitted_registration(admitted("0099002", "FAURE", "Moussa", "GMP-1"), year)
    payments.record_manual_payment(
        moussa, amount_cents=moussa.fee_total_cents, actor=admin, method="cheque", reference="CHQ 0045872"
    )


def command_queue() -> None:
    """Emails still queued when the upgrade starts (the worker stopped): they must still run,
    those whose task moved to another module too (a migration points them at the new path)."""
    from matricule.accounts.activation import offer_activation
    from matricule.accounts.admission_login import send_login_link
    from matricule.admissions.models import Candidate
    from matricule.notifications.services import send_test_email
    from matricule.registration.models import Registration
    from matricule.registration.tasks import send_registration_confirmation

    send_login_link.enqueue(Candidate.objects.get(first_names__startswith="Hugo").pk, "fr")
    send_test_email("upgrade-check@example.org")
    registered = Registration.objects.filter(state="registered", payments__manual=True).first()
    send_registration_confirmation.enqueue(registered.pk)
    offer_activation.enqueue(registered.student_id, "fr")


# --- The scratch database --------------------------------------------------------------------------


SCRATCH_DATABASE = "upgrade_check"


def command_db(action: str, url: str) -> None:
    """`url`: the scratch database's address on the server of `url`. `create` (afresh) and `drop`:
    that database, from the server's maintenance database."""
    parts = urlsplit(url)
    if action == "url":
        print(parts._replace(path="/" + SCRATCH_DATABASE).geturl())
        return
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    if not name.startswith("upgrade_"):
        raise SystemExit(f"refusing to {action} {name!r}: only upgrade_* databases are scratch databases")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if action == "create":
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main(argv: list[str]) -> int:
    if argv[:1] == ["db"] and len(argv) == 3 and argv[1] in ("url", "create", "drop"):
        command_db(argv[1], argv[2])
        return 0
    setup_django()
    if argv == ["fill"]:
        command_fill()
        return 0
    if argv == ["queue"]:
        command_queue()
        return 0
    if argv[:1] == ["snapshot"] and len(argv) == 2:
        Path(argv[1]).write_text(json.dumps(snapshot(), indent=1, sort_keys=True))
        return 0
    if argv[:1] == ["compare"] and len(argv) == 3:
        return command_compare(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
