"""Matricule settings, read from MATRICULE_* environment variables.

The defaults give a working local instance (SQLite file, private media folder under
var/, emails printed to the console, database cache, sessions and task queue).
docs/deployment.md lists what production sets.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from matricule.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
# Local state (SQLite file, private uploads, collected static files) lives here by default.
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)
# Production is served over HTTPS: secure cookies, HSTS and redirects follow.
HTTPS = env_bool("HTTPS", not DEBUG)

_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else None)
if SECRET_KEY is None:
    raise ImproperlyConfigured("Environment variable MATRICULE_SECRET_KEY is required when DEBUG is off.")
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("MATRICULE_SECRET_KEY must be set to a secret value in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Absolute address of the site, for links in emails and QR codes.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "matricule.accounts",
    "matricule.audit",
    "matricule.notifications",
    "matricule.institution",
    "matricule.admissions",
    "matricule.registration",
    "matricule.cvec",
    "matricule.fees",
    "matricule.payments",
    "matricule.documents",
    "matricule.certificates",
    "matricule.requests",
    "matricule.backoffice",
    "matricule.waitingroom",
    "matricule.demo",
    "matricule.scheduling",
    "matricule.api",
    "matricule.webhooks",
    "matricule.directory",
    "matricule.privacy",
    "rest_framework",
    "drf_spectacular",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "csp",
    "django_cas_ng",  # staff single sign-on (CAS), off unless MATRICULE_CAS_SERVER_URL is set
    "django_otp",
    "django_otp.plugins.otp_totp",  # the authenticator apps of students and staff (accounts.totp)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the signed-in user's row read from a shared cache when there is one (sessionuser.py).
    "matricule.accounts.sessionuser.AuthenticationMiddleware",
    # Bodies larger than the page accepts are refused before anything reads them (bodylimit.py).
    "matricule.bodylimit.BodyLimitMiddleware",
    "matricule.audit.context.AuditContextMiddleware",
    # The opening-day waiting room in front of the registration flow (off unless a window's gate is on).
    "matricule.waitingroom.middleware.GateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "matricule.urls"
WSGI_APPLICATION = "matricule.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "matricule" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "matricule.institution.context_processors.university",
            ],
        },
    },
    {
        # The student's pages on the rush's path and the partials shared with them, in the `jinja2/`
        # folders (institution/jinja.py); looked up after the Django templates.
        "NAME": "jinja2",
        "BACKEND": "matricule.institution.jinja.Jinja2",
        "DIRS": [BASE_DIR / "matricule" / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "matricule.institution.jinja.environment",
            "context_processors": ["matricule.institution.jinja.context"],
        },
    },
]
# Form fields drawn by Jinja2 where Django ships a twin of the template (formrender.py).
FORM_RENDERER = "matricule.formrender.FormRenderer"

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'matricule.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0))
except ValueError as error:
    raise ImproperlyConfigured(f"Environment variable MATRICULE_DATABASE_URL is invalid: {error}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the task worker share the file.
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")} if env_bool("TEST_SQLITE_FILE", False) else {}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and the statements a connection runs again and again
    # prepared by psycopg (from the 5th run): less CPU in the web process and in PostgreSQL
    # (bench/rush, issue 20). Off behind a pooler in transaction mode without prepared-statement
    # support (PgBouncer before 1.21): MATRICULE_DB_SERVER_SIDE_BINDING=false.
    _db.setdefault("OPTIONS", {})["server_side_binding"] = env_bool("DB_SERVER_SIDE_BINDING", True)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -------------------------------------------------------------------
CACHE_URL = env_str("CACHE_URL", "db")
if CACHE_URL == "db":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "matricule_cache",
        }
    }
elif CACHE_URL == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "matricule.rediscache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "matricule",
        }
    }
else:
    raise ImproperlyConfigured(
        f"Environment variable MATRICULE_CACHE_URL={CACHE_URL!r} is invalid: "
        "expected db, locmem or a redis:// address."
    )
# A cache every process shares (Redis): values kept there under a generation that any change
# replaces are seen by every process at once (matricule/generations.py); with a per-process cache
# nothing is kept that way. The signed-in user's row is one such value (accounts/sessionuser.py).
SHARED_CACHE = CACHE_URL.startswith(("redis://", "rediss://", "unix://"))
SESSION_USER_CACHE = env_bool("SESSION_USER_CACHE", SHARED_CACHE)
SESSION_ENGINE = {
    "db": "django.contrib.sessions.backends.db",
    "cache": "django.contrib.sessions.backends.cache",
    "cached_db": "django.contrib.sessions.backends.cached_db",
}[env_choice("SESSIONS", ("db", "cache", "cached_db"), "db")]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8, minimum=60)

# --- Background tasks (Django's tasks API) ------------------------------------------------
# "login": the connection links, the first thing a student waits for on opening day; on the
# database queue their tasks also have the highest priority, so that a worker on every queue
# takes them before PDFs and other emails (RQ has no priorities: give the queue a worker of its
# own, `run_worker login`, docs/deployment.md).
TASK_QUEUES = ["default", "emails", "login"]
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
TASKS_BACKEND = env_choice("TASKS_BACKEND", ("database", "redis", "immediate"), "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "redis": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
        "QUEUES": TASK_QUEUES,
    }
}
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300} for name in TASK_QUEUES}
# Task workers (`manage.py run_worker`) beat and look for due recurring jobs this often; a worker
# silent for the lease is dead and its running task is queued again; a task of a worker that
# does not beat (a plain `db_worker`) only after the long lease (scheduling/recovery.py).
MATRICULE_SCHEDULER_SECONDS = env_int("SCHEDULER_SECONDS", 10, minimum=1)
MATRICULE_WORKER_LEASE_SECONDS = env_int("WORKER_LEASE_SECONDS", 60, minimum=5)
MATRICULE_TASK_LEASE_MINUTES = env_int("TASK_LEASE_MINUTES", 30, minimum=1)

# --- Email ---------------------------------------------------------------------------------
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
}[env_choice("EMAIL", ("console", "smtp", "memory", "file"), "console")]
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Matricule <no-reply@matricule.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "matricule" / "static"]
# Uploaded files are personal data: stored outside the web root, never served directly.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGE = env_choice("STORAGE", ("local", "s3"), "local")
if STORAGE == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL", None),
            "region_name": env_str("S3_REGION", None),
            "access_key": env_str("S3_ACCESS_KEY", None),
            "secret_key": env_str("S3_SECRET_KEY", None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Users and passwords --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:admission-login"

# --- Languages and time ---------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "matricule" / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 60 * 60 * 24 * 365 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Paths the HTTPS redirect leaves alone (a load balancer's health check over plain HTTP).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

from csp.constants import NONE, SELF  # noqa: E402

# Strict CSP: our own scripts and styles only, no inline code, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
    },
}

# --- Matricule ------------------------------------------------------------------------------
# Limits that lock where a lock costs the rightful person little: scope -> (events, window in
# seconds, cooling-off in seconds). Sign-ins are never locked but slowed down: their delays are
# accounts.limits.DEFAULT_BACKOFFS, overridable with MATRICULE_BACKOFFS (docs/security.md).
MATRICULE_THROTTLES = {
    "link_request": (env_int("THROTTLE_LINK_REQUESTS", 5, minimum=1), 60 * 60, 60 * 60),
    "totp_user": (5, 15 * 60, 15 * 60),
    "account_link": (5, 60 * 60, 60 * 60),
    "verify_address": (env_int("THROTTLE_VERIFY_CHECKS", 60, minimum=1), 10 * 60, 10 * 60),
}
LOGIN_LINK_MINUTES = env_int("LOGIN_LINK_MINUTES", 10, minimum=1)
# Parcoursup web service (getCandidatsAdmis), for `import_admissions --from-api`.
PARCOURSUP_API = {
    "login": env_str("PARCOURSUP_LOGIN", ""),
    "password": env_str("PARCOURSUP_PASSWORD", ""),
    "establishment_code": env_str("PARCOURSUP_ESTABLISHMENT", ""),
    "endpoint": env_str("PARCOURSUP_ENDPOINT", ""),
}
# Automatic reminders (backoffice.reminders): sent this many days before a registration window
# closes, to those who have not finished and to students whose documents are missing or refused.
try:
    MATRICULE_REMINDER_DAYS_BEFORE_CLOSE = sorted(
        {int(days) for days in env_list("REMINDER_DAYS_BEFORE_CLOSE", ["7", "2"])}, reverse=True
    )
except ValueError:
    raise ImproperlyConfigured(
        "MATRICULE_REMINDER_DAYS_BEFORE_CLOSE must be a comma-separated list of whole numbers of days."
    ) from None
# Student numbers: prefix (with {yy} or {yyyy} of the academic year) + zero-padded sequence.
MATRICULE_STUDENT_NUMBER_PREFIX = env_str("STUDENT_NUMBER_PREFIX", "{yy}")
MATRICULE_STUDENT_NUMBER_DIGITS = env_int("STUDENT_NUMBER_DIGITS", 6, minimum=3)
MATRICULE_CVEC_BACKEND = env_choice("CVEC_BACKEND", ("simulator", "cnous"), "simulator" if DEBUG else "cnous")
MATRICULE_CVEC_API = {
    "endpoint": env_str("CVEC_ENDPOINT", "https://cvec-ctrl.etudiant.gouv.fr"),
    "key": env_str("CVEC_KEY", ""),
}

# --- Payments ---------------------------------------------------------------------------------
MATRICULE_PAYMENT_GATEWAY = env_choice(
    "PAYMENT_GATEWAY", ("simulator", "paybox", "payfip", "systempay"), "simulator" if DEBUG else "paybox"
)
if MATRICULE_PAYMENT_GATEWAY == "simulator" and not DEBUG and not env_bool("PAYMENT_SIMULATOR", False):
    raise ImproperlyConfigured(
        "MATRICULE_PAYMENT_GATEWAY=simulator is for the demo and the tests: choose a real gateway "
        "in production (or set MATRICULE_PAYMENT_SIMULATOR=true on a test instance)."
    )
MATRICULE_PAYMENT_SIMULATOR = MATRICULE_PAYMENT_GATEWAY == "simulator"
MATRICULE_PAYMENT_GATEWAYS = {
    # The simulator signs with a secret of this instance, never derived from SECRET_KEY (whose
    # development value is public): MATRICULE_PAYMENT_SIMULATOR_SECRET, or one drawn at random on
    # first use and kept in VAR_DIR. Not configured, hence unusable, when the simulator is off.
    "simulator": (
        {
            "secret": env_str("PAYMENT_SIMULATOR_SECRET", ""),
            "secret_file": str(VAR_DIR / "payment-simulator.secret"),
        }
        if MATRICULE_PAYMENT_SIMULATOR
        else {}
    ),
    "paybox": {
        "site": env_str("PAYBOX_SITE", ""),
        "rang": env_str("PAYBOX_RANG", ""),
        "identifiant": env_str("PAYBOX_IDENTIFIANT", ""),
        "key": env_str("PAYBOX_HMAC_KEY", ""),
        "public_key_pem": env_str("PAYBOX_PUBLIC_KEY", ""),
        "url": env_str("PAYBOX_URL", "https://tpeweb.paybox.com/cgi/MYchoix_pagepaiement.cgi"),
        # Look-up through Paybox Direct (a contract option): questions signed with the HMAC key
        # (PAYBOX_PPPS_HMAC=true) or the Paybox Direct password; neither: no look-up, the pending
        # attempts are listed for staff. Test: https://preprod-ppps.paybox.com/PPPS.php
        "ppps_url": env_str("PAYBOX_PPPS_URL", "https://ppps.paybox.com/PPPS.php"),
        "ppps_hmac": env_bool("PAYBOX_PPPS_HMAC", False),
        "ppps_cle": env_str("PAYBOX_PPPS_CLE", ""),
    },
    "payfip": {
        "numcli": env_str("PAYFIP_NUMCLI", ""),
        "saisie": env_str("PAYFIP_SAISIE", "W"),
        "endpoint": env_str("PAYFIP_ENDPOINT", ""),
    },
    "systempay": {
        "site_id": env_str("SYSTEMPAY_SITE_ID", ""),
        "key": env_str("SYSTEMPAY_KEY", ""),
        "ctx_mode": env_str("SYSTEMPAY_MODE", "PRODUCTION"),
        "url": env_str("SYSTEMPAY_URL", "https://paiement.systempay.fr/vads-payment/"),
        # POST keeps the student's email out of the return address and the access logs.
        "return_mode": "POST",
        # The REST API password of SYSTEMPAY_MODE, for the look-up; empty: no look-up.
        "rest_password": env_str("SYSTEMPAY_REST_PASSWORD", ""),
        "api_url": env_str("SYSTEMPAY_API_URL", "https://api.systempay.fr/api-payment/"),
    },
}
# The payment page of the gateway receives a form POST from our pages: allow its origin.
if MATRICULE_PAYMENT_GATEWAY in ("paybox", "systempay"):
    from urllib.parse import urlsplit

    _page = urlsplit(MATRICULE_PAYMENT_GATEWAYS[MATRICULE_PAYMENT_GATEWAY]["url"])
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_page.scheme}://{_page.netloc}")

# --- Supporting documents -------------------------------------------------------------------
MATRICULE_UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 10, minimum=1) * 1024 * 1024
MATRICULE_UPLOAD_MAX_PAGES = env_int("UPLOAD_MAX_PAGES", 10, minimum=1)
# Per student: versions of one document (then the registrar's office looks at it first), and
# files sent per hour across their documents (a script cannot fill the storage or the queue).
MATRICULE_UPLOAD_MAX_VERSIONS = env_int("UPLOAD_MAX_VERSIONS", 5, minimum=1)
MATRICULE_UPLOADS_PER_HOUR = env_int("UPLOADS_PER_HOUR", 30, minimum=1)
# Every stage that reads a student's bytes (checks, previews) runs in a child process bounded by
# these (documents/sandbox.py): a hostile file costs the child its life, never the web process.
MATRICULE_SANDBOX_MEMORY_MB = env_int("SANDBOX_MEMORY_MB", 768, minimum=128)
MATRICULE_SANDBOX_CPU_SECONDS = env_int("SANDBOX_CPU_SECONDS", 10, minimum=1)
MATRICULE_SANDBOX_WALL_SECONDS = env_int("SANDBOX_WALL_SECONDS", 30, minimum=1)
# clamd address ("/run/clamav/clamd.ctl" or "127.0.0.1:3310"); empty: no antivirus scan.
MATRICULE_CLAMD_ADDRESS = env_str("CLAMD_ADDRESS", "") or None
# Bodies, in agreement (docs/security.md): a form's fields fit in memory (Django's default,
# 2.5 MB); a request body is at most 3 MB unless its page takes files (bodylimit.py: one file of
# MATRICULE_UPLOAD_MAX_BYTES for a document, five for a request, plus the form around them);
# files over 2.5 MB are spooled to a temporary file, never held in memory; 10 files at most (a
# request takes 5: its page says so for 6 to 10). The reverse proxy's body limit is the largest
# page limit (docs/deployment.md).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10
MATRICULE_REQUEST_MAX_BYTES = 3 * 1024 * 1024

# --- Issued documents ---------------------------------------------------------------------------
# PEM files of the signing key and certificate (PAdES); empty: certificates are not signed.
MATRICULE_SIGNING_KEY = env_str("SIGNING_KEY", "")
MATRICULE_SIGNING_CERT = env_str("SIGNING_CERT", "")

# --- Back office ----------------------------------------------------------------------------------
# Exports with more rows than this run in the task queue; their files are kept this many days.
MATRICULE_EXPORT_SYNC_MAX_ROWS = env_int("EXPORT_SYNC_MAX_ROWS", 5000, minimum=0)
MATRICULE_EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 7, minimum=1)
# Students paying in instalments are emailed this many days before each one falls due
# (payments.instalments; and again the day after and a week after, when it is overdue).
MATRICULE_INSTALMENT_REMINDER_DAYS = env_int("INSTALMENT_REMINDER_DAYS", 3, minimum=1)
# A student's download of their own data (privacy.data_export) is deleted this many days after it is ready.
MATRICULE_DATA_EXPORT_RETENTION_DAYS = env_int("DATA_EXPORT_RETENTION_DAYS", 7, minimum=1)
# Audit events older than this are deleted by `manage.py purge_audit`.
MATRICULE_AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 3650, minimum=30)

# --- Retention schedule (privacy/retention.py, docs/data-protection.md) ----------------------------
# Applied daily by the task workers (`manage.py apply_retention` by hand). Each delay says why
# it is what it is in the table; the minimums keep a typo from erasing what is still needed.
# Connection and account links, once used or expired; rate-limit counters left idle (longer than
# the longest window or delay of accounts.limits, so an idle counter has nothing left to count).
MATRICULE_LINK_RETENTION_HOURS = env_int("LINK_RETENTION_HOURS", 24, minimum=1)
MATRICULE_THROTTLE_RETENTION_HOURS = env_int("THROTTLE_RETENTION_HOURS", 24, minimum=12)
# Admitted candidates who never registered: pseudonymised this long after the year's last
# registration window closed (late registrations at the desk, the autumn's figures).
MATRICULE_CANDIDATE_RETENTION_DAYS = env_int("CANDIDATE_RETENTION_DAYS", 180, minimum=30)
# Refused (and replaced) document versions and refused requests' attachments: the delay of an
# administrative appeal (two months) after the decision.
MATRICULE_APPEAL_DELAY_DAYS = env_int("APPEAL_DELAY_DAYS", 61, minimum=61)
# Years after the end of the academic year: the supporting documents of its registrations, then
# the registration file itself (form data, issued documents' data, identity once nothing else is
# kept). The legal delays are not confirmed yet (docs/data-protection.md): set them here.
MATRICULE_DOCUMENT_RETENTION_YEARS = env_int("DOCUMENT_RETENTION_YEARS", 1, minimum=1)
MATRICULE_REGISTRATION_RETENTION_YEARS = env_int("REGISTRATION_RETENTION_YEARS", 5, minimum=1)
# Raw gateway notifications (the payments themselves are accounting records, kept): a card
# dispute may come up to 13 months after the payment.
MATRICULE_PAYMENT_NOTIFICATION_RETENTION_DAYS = env_int(
    "PAYMENT_NOTIFICATION_RETENTION_DAYS", 400, minimum=30
)
# Emails: the body of a sent one is masked after this many days; every row goes after the next.
MATRICULE_EMAIL_BODY_RETENTION_DAYS = env_int("EMAIL_BODY_RETENTION_DAYS", 30, minimum=1)
MATRICULE_EMAIL_RETENTION_DAYS = env_int("EMAIL_RETENTION_DAYS", 365, minimum=30)
# Admissions imports: a file left in storage and the line issues (which quote the file).
MATRICULE_IMPORT_RETENTION_DAYS = env_int("IMPORT_RETENTION_DAYS", 90, minimum=7)

# --- Staff sign-in --------------------------------------------------------------------------------
# Staff sign in with a password and a TOTP code, or through the university's CAS (whose own
# multi-factor policy then applies). Turning the second factor off is for tests only.
MATRICULE_STAFF_REQUIRE_2FA = env_bool("STAFF_REQUIRE_2FA", True)
# django-otp's TOTP devices, with the rules of accounts.totp: a fixed window of one step either
# side (no drift learned from a late or early code), and no back-off of its own (wrong codes
# are counted by accounts.throttle, scope totp_user, and lifted in the admin).
OTP_TOTP_SYNC = False
OTP_TOTP_THROTTLE_FACTOR = 0
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "matricule.accounts.staff_cas.StaffCASBackend",
]
CAS_SERVER_URL = env_str("CAS_SERVER_URL", "")  # e.g. https://cas.univ.fr/cas/ ; empty: CAS off
CAS_VERSION = "3"
CAS_CREATE_USER = False  # only existing staff accounts may sign in through CAS
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_IGNORE_REFERER = True
CAS_REDIRECT_URL = "/gestion/"


def CAS_SESSION_FACTORY():  # noqa: N802 (the name django-cas-ng reads); a timeout on validation
    from matricule.accounts.staff_cas import http_session

    return http_session()


# --- Directory (ENT accounts, issue 17) — BEGIN ---------------------------------------------------
# The university's LDAP directory (SupAnn 2021), where a registered student's ENT account is
# created and kept up to date (matricule.directory). No URL: the directory is off and accounts
# stay local. ldap:// only to this machine, unless MATRICULE_LDAP_START_TLS; else ldaps://.
MATRICULE_LDAP_URL = env_str("LDAP_URL", "")
MATRICULE_LDAP_START_TLS = env_bool("LDAP_START_TLS", False)
MATRICULE_LDAP_BIND_DN = env_str("LDAP_BIND_DN", "")
MATRICULE_LDAP_BIND_PASSWORD = env_str("LDAP_BIND_PASSWORD", "")
MATRICULE_LDAP_PEOPLE_DN = env_str("LDAP_PEOPLE_DN", "ou=people,dc=univ,dc=example")
# The uid of a new ENT account, from the student number ("e{student_number}" → e24000012); an
# entry found with the student's supannEtuId keeps its own uid.
MATRICULE_LDAP_UID_FORMAT = env_str("LDAP_UID_FORMAT", "{student_number}")
# The domain of the institutional address (`mail` = uid@domain); empty: no `mail` written.
MATRICULE_LDAP_MAIL_DOMAIN = env_str("LDAP_MAIL_DOMAIN", "")
# supannEtablissement and the etab of supannEtuInscription, e.g. {UAI}0451483T.
MATRICULE_LDAP_ETABLISSEMENT = env_str("LDAP_ETABLISSEMENT", "")
MATRICULE_LDAP_TIMEOUT_SECONDS = env_int("LDAP_TIMEOUT_SECONDS", 10, minimum=1)
# --- Directory (ENT accounts, issue 17) — END -----------------------------------------------------

# --- Webhooks (matricule.webhooks) -----------------------------------------------------------------
# Seconds a receiver has to answer each POST (connection and answer); at most 30, so that a
# sender's lease (2 minutes) is never overtaken while it waits.
MATRICULE_WEBHOOK_TIMEOUT = min(env_int("WEBHOOK_TIMEOUT", 10, minimum=1), 30)
# --- End of webhooks ------------------------------------------------------------------------------

# --- REST API (matricule.api, issue 17) ---------------------------------------------------------
# Clients authenticate with their token (`Authorization: Bearer …`); each may call this often
# (per client, whatever its address): over it, 429 with Retry-After. JSON only: no browsable API
# (its pages need inline scripts the CSP refuses, and sessions have no business here).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["matricule.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["matricule.api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["matricule.api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_client": env_str("API_RATE", "600/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Matricule API",
    "DESCRIPTION": "Registrations, students, payments, documents, issued documents and requests of "
    "the components the client may see; imports of admitted candidates and results; decisions on "
    "documents. Guide: docs/integration.md.",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RegistrationStateEnum": "matricule.registration.models.State",
        "RegistrationKindEnum": "matricule.registration.models.Kind",
        "RequestKindEnum": "matricule.requests.models.Kind",
        "RequestStateEnum": "matricule.requests.models.State",
    },
}
# Rows per page of a list (the client may ask for up to the maximum with ?page_size=).
MATRICULE_API_PAGE_SIZE = env_int("API_PAGE_SIZE", 500, minimum=1)
MATRICULE_API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 1000, minimum=1)
# How far back `next_since` reaches before the start of a walk: longer than any transaction
# that writes rows (a row's updated_at is set before its transaction commits).
MATRICULE_API_SYNC_MARGIN_SECONDS = env_int("API_SYNC_MARGIN_SECONDS", 300, minimum=0)
# --- end of REST API ----------------------------------------------------------------------------
