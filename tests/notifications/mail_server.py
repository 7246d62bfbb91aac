"""A mail server the tests script: each message sent takes the next outcome of `server.script`
(accepted once the script is used up), and what it accepted is in `server.accepted`."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class WorkerKilled(BaseException):
    """The worker process dies (kill -9): nothing after this line runs, no handler catches it."""


class MailServer:
    def __init__(self):
        self.script: list = []
        self.accepted: list = []

    def reset(self):
        self.script, self.accepted = [], []


server = MailServer()

OUTCOMES = {
    # Not reachable at all, as when the relay is restarted.
    "down": lambda message: ConnectionRefusedError(111, "Connection refused"),
    # Up, but asks to come back later (a 4xx reply: greylisting, a full queue).
    "busy": lambda message: smtplib.SMTPDataError(451, b"4.3.0 Try again later"),
    # The recipient refused for good (5xx).
    "unknown user": lambda message: smtplib.SMTPRecipientsRefused(
        dict.fromkeys(message.to, (550, b"5.1.1 No such user"))
    ),
}


class Backend(BaseEmailBackend):
    def send_messages(self, messages):
        for message in messages:
            outcome = server.script.pop(0) if server.script else "accept"
            if callable(outcome):  # something else happens while this one is being sent
                outcome()
                outcome = "accept"
            if outcome in OUTCOMES:
                raise OUTCOMES[outcome](message)
            server.accepted.append(message)
            if outcome == "accept, then the connection drops":  # accepted, but we never hear it
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if outcome == "accept, then the worker dies":
                raise WorkerKilled
        return len(messages)
