"""Settings of the rush benchmark: the production settings (read from the environment by
bench/rush/run), with the outgoing mail written to one folder per recipient so the scenario
can read its connection link, as a student reads their mailbox."""

import os

from matricule.settings import *  # noqa: F403

EMAIL_BACKEND = "mailbox.MailboxBackend"
# The students' mail server: with several machines (bench/rush/run --cluster), one folder
# outside every VAR_DIR, whichever machine sends.
MAILBOX_DIR = os.environ.get("RUSH_MAILBOX_DIR") or VAR_DIR / "mailbox"  # noqa: F405

# The waiting room, as the lead installs it (after authentication), if settings.py lacks it yet.
GATE = "matricule.waitingroom.middleware.GateMiddleware"
if GATE not in MIDDLEWARE:  # noqa: F405
    MIDDLEWARE = list(MIDDLEWARE)  # noqa: F405
    MIDDLEWARE.insert(MIDDLEWARE.index("matricule.accounts.sessionuser.AuthenticationMiddleware") + 1, GATE)
WAITINGROOM_REFRESH_SECONDS = int(os.environ.get("WAITINGROOM_REFRESH_SECONDS", "10"))

# Statements by kind, counted in the web and task-worker processes (bench/rush/statements.py).
INSTALLED_APPS = [*INSTALLED_APPS, "statements.StatementsConfig"]  # noqa: F405
