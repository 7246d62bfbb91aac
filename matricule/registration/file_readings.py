"""Who at the university read a student's file: the student sees the components and the days,
never the names (issue 21). Read from the audit trail, where the back office records each
reading of the file and each opening of a document or a request attachment."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from matricule.audit.models import Event
from matricule.institution.models import Component

from .models import Student

# The audit events of a reading, and what they are about.
FILE_READ = "backoffice.student_file.viewed"
DOCUMENT_OPENED = "documents.file_opened"
ATTACHMENT_OPENED = "requests.attachment_opened"
# A year of readings at most (the audit trail keeps them longer; the page stays readable).
LIMIT = 1000


@dataclass
class Reading:
    day: date
    component: str
    documents: bool  # a document or an attachment was opened, not only the file read
    count: int


def file_readings(student: Student) -> list[Reading]:
    """The days and components from which staff read the student's file or opened one of their
    documents, newest first; one line per day and component."""
    # The documents and attachments opened say whose they are (the apps above record it).
    about = Q(action=FILE_READ, object_type="registration.student", object_id=str(student.pk)) | Q(
        action__in=[DOCUMENT_OPENED, ATTACHMENT_OPENED], data__student=student.pk
    )
    events = (
        Event.objects.filter(about)
        .order_by("-created_at")
        .values("action", "created_at", "component_id", "data")
    )
    lines: dict[tuple[date, int | None], Reading] = {}
    names = dict(Component.objects.values_list("pk", "name"))
    for event in events[:LIMIT]:
        if event["action"] == FILE_READ:
            components = (event["data"] or {}).get("components") or [None]
        else:
            components = [event["component_id"]]
        day = timezone.localdate(event["created_at"])
        for component in components:
            key = (day, component)
            if key not in lines:
                name = names.get(component) or "—"
                lines[key] = Reading(day=day, component=name, documents=False, count=0)
            lines[key].count += 1
            lines[key].documents |= event["action"] != FILE_READ
    return list(lines.values())
