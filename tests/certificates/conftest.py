"""Fixtures of the certificates tests: the documents tests' (private media folder, tasks run at once,
a registered student), and `complete`, her documents uploaded and validated."""

from matricule.documents import services as documents
from tests.documents.conftest import png_bytes, private_media, registered, upload_file  # noqa: F401


def complete(registration, agent):
    for submission in registration.submissions.all():
        documents.upload(submission, upload_file(content=png_bytes()), actor=registration.student.user)
        documents.decide(submission, agent=agent, validate=True)
