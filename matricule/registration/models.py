"""A student's registration for one academic year and programme stage, and its state machine."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matricule.modelkit import FoldedNames, optional_key


class Student(models.Model):
    """The person as a student of the university; the student number is theirs for life."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="student", verbose_name=_("user")
    )
    student_number = models.CharField(_("student number"), max_length=20, unique=True, null=True, blank=True)
    # Civil identity, copied from the admission at the first registration (or typed at the
    # desk); kept here because later years have no Parcoursup admission to read it from.
    last_name = models.CharField(_("birth name"), max_length=100, blank=True)
    first_names = models.CharField(_("first names"), max_length=150, blank=True)
    # The names as the back office's search compares them (modelkit.FoldedNames).
    search_name = models.GeneratedField(
        expression=FoldedNames("last_name", "first_names"),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("names as searched"),
    )
    sex = models.CharField(_("sex"), max_length=1, blank=True, choices=[("F", _("Female")), ("M", _("Male"))])
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")

    def __str__(self) -> str:
        return self.student_number or f"#{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_names}".strip() or self.user.get_full_name()

    def take_identity_from(self, candidate) -> list[str]:
        """Copy the admission's identity where ours is empty; returns the fields changed."""
        changed = []
        for name in ("last_name", "first_names", "sex", "birth_date"):
            value = getattr(candidate, name, None)
            if value and not getattr(self, name):
                setattr(self, name, value)
                changed.append(name)
        return changed


class StudentNumberSequence(models.Model):
    """The last number given for one prefix; locked while a number is taken (no duplicates)."""

    prefix = models.CharField(max_length=10, unique=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("student number sequence")
        verbose_name_plural = _("student number sequences")

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_value}"


class State(models.TextChoices):
    DRAFT = "draft", _("Being filled in")
    SUBMITTED = "submitted", _("Submitted")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    EXEMPT = "exempt", _("Exempt from fees")
    REGISTERED = "registered", _("Registered")
    CANCELLED = "cancelled", _("Cancelled")


class Kind(models.TextChoices):
    FIRST = "first", _("First registration")
    REREGISTRATION = "reregistration", _("Re-registration")
    ADDITIONAL = "additional", _("Additional registration")


class Registration(models.Model):
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("student")
    )
    academic_year = models.ForeignKey(
        "institution.AcademicYear",
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("academic year"),
    )
    stage = models.ForeignKey(
        "institution.Stage",
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("programme stage"),
    )
    candidate = optional_key(
        "admissions.Candidate", related_name="registrations", verbose_name=_("admission")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.FIRST)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    # What the student typed, per step, kept as typed (even invalid) so nothing is ever lost.
    data = models.JSONField(_("form data"), default=dict, blank=True)
    # The validated values of each valid step (what the review, fees and summary read).
    cleaned = models.JSONField(_("validated data"), default=dict, blank=True)
    # Steps the student has saved at least once (their errors are shown from then on).
    touched_steps = models.JSONField(_("steps saved"), default=list, blank=True)
    # Steps whose saved data passed validation.
    valid_steps = models.JSONField(_("valid steps"), default=list, blank=True)
    current_step = models.CharField(_("current step"), max_length=32, blank=True)
    fee_lines = models.JSONField(_("fee lines"), default=list, blank=True)
    fee_total_cents = models.PositiveIntegerField(_("total fees (cents)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Set by the retention schedule (privacy.retention) once the form data and the issued
    # documents' data are gone: the row stays for statistics and the certificates' verification.
    purged_at = models.DateTimeField(_("personal data purged at"), null=True, blank=True, editable=False)
    # When the oldest of its documents waiting for review was sent; None when none waits. Kept
    # by the documents app on each change of a document (documents.waiting), so that the review
    # queue reads the oldest files of a stage from an index instead of every document waiting.
    documents_waiting_since = models.DateTimeField(
        _("documents waiting since"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "academic_year", "stage"],
                condition=~Q(state="cancelled"),
                name="registration_one_active_per_student_year_stage",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="registration_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in Kind]), name="registration_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["academic_year", "state"], name="registration_year_state"),
            # The API's incremental sync and its cursor walk registrations in this order.
            models.Index(fields=["updated_at", "id"], name="registration_updated"),
            # The review queue: the oldest files waiting, per stage (an agent's components) and
            # for the whole university.
            models.Index(
                fields=["stage", "documents_waiting_since", "id"],
                condition=Q(documents_waiting_since__isnull=False),
                name="registration_waiting_by_stage",
            ),
            models.Index(
                fields=["documents_waiting_since", "id"],
                condition=Q(documents_waiting_since__isnull=False),
                name="registration_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.academic_year} · {self.stage.code}"

    @property
    def is_editable(self) -> bool:
        return self.state == State.DRAFT

    def step_data(self, key: str) -> dict:
        return dict(self.data.get(key) or {})


# Sent once a registration is registered (after the transaction commits): other modules
# (documents, accounts) act on it without the registration module depending on them.
import django.dispatch  # noqa: E402

registration_registered = django.dispatch.Signal()
# Sent when a registration is cancelled (after commit): issued documents are revoked.
registration_cancelled = django.dispatch.Signal()


class RegistrationCount(models.Model):
    """How many registrations of a year and stage went from one state to another on one day:
    the dashboard's figures are sums of these rows (their number grows with the stages and the
    campaign's days, never with the registrations). `source` empty: registrations created in
    `target`; `target` empty: registrations deleted from `source`. Kept by `counts.py` in the
    transaction of each change; `manage.py rebuild_counts` recomputes them from the rows."""

    academic_year = models.ForeignKey(
        "institution.AcademicYear",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("academic year"),
    )
    stage = models.ForeignKey(
        "institution.Stage", on_delete=models.CASCADE, related_name="+", verbose_name=_("programme stage")
    )
    day = models.DateField(_("day"))
    source = models.CharField(_("from state"), max_length=20, blank=True)
    target = models.CharField(_("to state"), max_length=20, blank=True)
    count = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("registration count")
        verbose_name_plural = _("registration counts")
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "stage", "day", "source", "target"], name="registration_count_key"
            )
        ]

    def __str__(self) -> str:
        change = f"{self.source}→{self.target}"
        return f"{self.academic_year_id} · {self.stage_id} · {self.day} · {change}: {self.count}"


class RegistrationCountsBuilt(models.Model):
    """The years whose counts were built from the rows at least once (then kept up to date)."""

    academic_year = models.OneToOneField(
        "institution.AcademicYear",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("academic year"),
    )
    built_at = models.DateTimeField(_("built at"), auto_now=True)

    class Meta:
        verbose_name = _("registration counts built")
        verbose_name_plural = _("registration counts built")

    def __str__(self) -> str:
        return f"{self.academic_year_id}: {self.built_at}"
