"""An email backend writing each message to <MAILBOX_DIR>/<recipient>/<time>.txt (bench only),
with its Message-ID, so that bench/faults can count a message delivered twice."""

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        root = Path(settings.MAILBOX_DIR)
        for message in email_messages:
            for recipient in message.recipients():
                folder = root / recipient.lower().replace("/", "_")
                folder.mkdir(parents=True, exist_ok=True)
                name = f"{time.time_ns()}-{os.getpid()}"
                # Written aside then renamed, so a reader never sees half a message.
                temporary = folder / f".{name}"
                message_id = message.extra_headers.get("Message-ID") or message.message()["Message-ID"]
                text = f"Message-ID: {message_id}\nSubject: {message.subject}\n\n{message.body}"
                temporary.write_text(text, encoding="utf-8")
                temporary.rename(folder / f"{name}.txt")
        return len(email_messages)
