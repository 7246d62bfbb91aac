"""Admitted candidates as imported from Parcoursup, and the record of each import.

A candidate is one Parcoursup number in one academic year. Imports never delete: a newer file
updates the candidates it contains and leaves the others as they were.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from matricule.institution.models import AcademicYear, OfflinePopulation, Stage
from matricule.modelkit import Timestamped, actor_key, optional_key

# Leading zeros carry no meaning (the web service sends the number as an integer), and a
# sane Parcoursup number is far shorter than this.
PARCOURSUP_NUMBER_MAX_DIGITS = 15


def normalize_parcoursup_number(value) -> str | None:
    """The stored form of a Parcoursup number: digits only, no `P`, no leading zeros.

    `P240012345`, `p240012345`, `240012345` and `0240012345` are the same candidate.
    Returns None when the value is not a Parcoursup number.
    """
    text = str(value).strip() if value is not None else ""
    if text[:1] in ("P", "p"):
        text = text[1:]
    if not text.isascii() or not text.isdigit():
        return None
    text = text.lstrip("0")
    if not text or len(text) > PARCOURSUP_NUMBER_MAX_DIGITS:
        return None
    return text


def normalize_email(value: str) -> str:
    """The form emails are compared in (Parcoursup emails are matched case-insensitively)."""
    return value.strip().lower()


class Situation(models.TextChoices):
    """Parcoursup's `codeSituation` of the candidate's answer to the offer."""

    ACCEPTED = "1", _("Accepted for good")
    ACCEPTED_KEEPING_WISHES = "2", _("Accepted, keeping other wishes")
    WAITING = "0", _("Waiting")
    REFUSED = "3", _("Refused or withdrawn")


class Phase(models.TextChoices):
    MAIN = "principale", _("Main phase")
    COMPLEMENTARY = "complementaire", _("Complementary phase")


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class CandidateQuerySet(models.QuerySet):
    def matching_credentials(self, academic_year, number, birth_date: datetime.date, email: str):
        """Candidates of the year matching the three admission credentials (at most one).

        An invalid number matches nobody rather than raising, so that callers answer the
        same way whatever was typed.
        """
        normalized = normalize_parcoursup_number(number)
        if normalized is None:
            return self.none()
        return self.filter(
            academic_year=academic_year,
            parcoursup_number=normalized,
            birth_date=birth_date,
            email_lower=normalize_email(email),
        )


class Candidate(Timestamped):
    """A candidate admitted through Parcoursup, as last imported for an academic year."""

    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="candidates", verbose_name=_("academic year")
    )
    parcoursup_number = models.CharField(
        _("Parcoursup number"),
        max_length=PARCOURSUP_NUMBER_MAX_DIGITS,
        help_text=_("Digits only, without the leading P."),
    )
    ine = models.CharField(_("INE"), max_length=11, blank=True)
    last_name = models.CharField(_("birth name"), max_length=100)
    first_names = models.CharField(_("first names"), max_length=150)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("date of birth"))
    email = models.EmailField(_("email given on Parcoursup"), max_length=254)
    # Lower-cased copy of `email`, kept by the import, so that login matches it with an index.
    email_lower = models.CharField(_("email (lower case)"), max_length=254, editable=False)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    birth_town = models.CharField(_("town of birth"), max_length=100, blank=True)
    birth_country = models.CharField(_("country of birth"), max_length=100, blank=True)
    nationality = models.CharField(_("nationality"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    bac_year = models.PositiveSmallIntegerField(_("baccalaureate year"), null=True, blank=True)
    bac_series = models.CharField(_("baccalaureate series"), max_length=100, blank=True)
    bac_honours = models.CharField(_("baccalaureate honours"), max_length=50, blank=True)
    school_uai = models.CharField(_("school UAI"), max_length=10, blank=True)
    parcoursup_offer_code = models.CharField(_("Parcoursup offer code"), max_length=30)
    stage = optional_key(
        Stage,
        related_name="candidates",
        verbose_name=_("programme stage"),
        help_text=_("Empty while the Parcoursup offer code is not mapped to a stage."),
    )
    situation = models.CharField(_("situation"), max_length=1, choices=Situation.choices)
    response_date = models.DateField(_("response date"), null=True, blank=True)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, blank=True)
    grant_holder_hint = models.BooleanField(
        _("grant holder in secondary school"),
        null=True,
        blank=True,
        help_text=_("As declared on Parcoursup: a hint, not a proof."),
    )
    # NULL rather than "" (the shared contract other apps build on): not a desk population.
    offline_population = models.CharField(  # noqa: DJ001
        _("registers at the desk as"),
        max_length=30,
        choices=OfflinePopulation.Kind.choices,
        null=True,
        blank=True,
    )
    # Hash of the imported values: an identical line in a later import changes nothing.
    source_checksum = models.CharField(_("checksum of the imported data"), max_length=64, editable=False)
    # The person's account once they have logged in with their admission credentials (set by
    # accounts, never by an import). A FK, not one-to-one: the same person may be admitted again
    # in a later year.
    user = optional_key(settings.AUTH_USER_MODEL, related_name="candidacies", verbose_name=_("account"))
    last_import_run = optional_key(
        "ImportRun", editable=False, related_name="+", verbose_name=_("last changed by import")
    )
    # Set by the retention schedule (privacy.retention) once identity and contacts are blanked:
    # the row stays so that the year's admission figures still count it.
    purged_at = models.DateTimeField(_("pseudonymised at"), null=True, blank=True, editable=False)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        verbose_name = _("admitted candidate")
        verbose_name_plural = _("admitted candidates")
        ordering = ["last_name", "first_names"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "parcoursup_number"], name="candidate_unique_year_number"
            ),
            models.CheckConstraint(
                condition=Q(situation__in=["0", "1", "2", "3"]), name="candidate_situation_valid"
            ),
            models.CheckConstraint(condition=Q(sex__in=["", "F", "M"]), name="candidate_sex_valid"),
            models.CheckConstraint(
                condition=Q(phase__in=["", "principale", "complementaire"]), name="candidate_phase_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["academic_year", "email_lower"], name="candidate_year_email"),
            # The back office's search, whatever the year (issue 19).
            models.Index(fields=["email_lower"], name="candidate_email"),
            models.Index(fields=["parcoursup_number"], name="candidate_parcoursup_number"),
            models.Index(fields=["ine"], name="candidate_ine"),
        ]

    def __str__(self) -> str:
        return f"P{self.parcoursup_number} · {self.last_name} {self.first_names}"

    def save(self, *args, **kwargs):
        self.email_lower = normalize_email(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_lower"}
        super().save(*args, **kwargs)

    @property
    def may_register(self) -> bool:
        """Only a candidate who accepted the offer for good may register."""
        return self.situation == Situation.ACCEPTED


class ImportRun(models.Model):
    """One import (a file or a call to the Parcoursup web service), with its counts."""

    class Kind(models.TextChoices):
        ADMISSIONS = "admissions", _("Parcoursup admitted candidates")
        RESULTS = "results", _("Last year's results")

    class Source(models.TextChoices):
        FILE = "file", _("CSV file")
        API = "api", _("Parcoursup web service")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ADMISSIONS)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.FILE)
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="import_runs", verbose_name=_("academic year")
    )
    user = actor_key(_("imported by"))
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    # Where the uploaded file waits for its background import (`services.start_import`): a
    # name the server chose in the default storage, emptied once the import has read it.
    stored_file = models.CharField(_("stored file"), max_length=200, blank=True, editable=False)
    checksum = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    # Counts, labelled with a context: bare "created"/"updated" already mean dates elsewhere.
    # The file's lines after the header, counted before the import reads them: the progress
    # bar's end (blank lines count here but are not read, so the bar may end short of it).
    lines_total = models.PositiveIntegerField(
        pgettext_lazy("import count", "lines in the file"), null=True, blank=True
    )
    lines_read = models.PositiveIntegerField(pgettext_lazy("import count", "lines read"), default=0)
    created = models.PositiveIntegerField(pgettext_lazy("import count", "created"), default=0)
    updated = models.PositiveIntegerField(pgettext_lazy("import count", "updated"), default=0)
    unchanged = models.PositiveIntegerField(pgettext_lazy("import count", "unchanged"), default=0)
    rejected = models.PositiveIntegerField(pgettext_lazy("import count", "rejected"), default=0)
    unmapped = models.PositiveIntegerField(pgettext_lazy("import count", "unmapped offer code"), default=0)
    not_accepted = models.PositiveIntegerField(
        pgettext_lazy("import count", "not accepted for good"), default=0
    )
    # The file's headers that name no column, as written (the report lists them).
    ignored_columns = models.JSONField(
        _("ignored columns"),
        default=list,
        blank=True,
        help_text=_("Headers of the file that this import does not read."),
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="import_run_status_valid",
            ),
        ]

    def __str__(self) -> str:
        when = self.started_at.strftime("%Y-%m-%d %H:%M") if self.started_at else ""
        return f"{self.get_kind_display()} · {self.academic_year} · {when}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def count_fields(self) -> tuple[str, ...]:
        """The counts that mean something for this kind of import, in reading order."""
        return COUNT_FIELDS[self.kind]

    def counts(self) -> list[tuple[str, int]]:
        """(label, value) pairs for reports, in reading order."""
        return [
            (self._meta.get_field(name).verbose_name, getattr(self, name)) for name in self.count_fields()
        ]


# The counts of each kind of import, in reading order (the last two are about admissions only).
_COUNTS = ("lines_read", "created", "updated", "unchanged", "rejected")
COUNT_FIELDS = {
    ImportRun.Kind.ADMISSIONS: (*_COUNTS, "unmapped", "not_accepted"),
    ImportRun.Kind.RESULTS: _COUNTS,
}


# Messages of import issues, by code. Issues store the code and its parameters, so that each
# reader sees the message in their own language, including for past runs.
ISSUE_MESSAGES = {
    "file_empty": _("The file is empty."),
    "file_not_text": _("This is not a CSV text file."),
    "file_separator": _("The columns must be separated by semicolons (;)."),
    "file_malformed": _("The file cannot be read as CSV from this line on: %(detail)s"),
    "file_unavailable": _("The uploaded file could not be read back from storage: upload it again."),
    "column_missing": _("Required column “%(column)s” is missing."),
    "column_duplicate": _("Column “%(column)s” appears more than once."),
    "not_a_record": _("This record is not a JSON object."),
    "required": _("A value is required."),
    "too_long": _("Too long: at most %(max)s characters."),
    "date_format": _("“%(value)s” is not a date written DD/MM/YYYY."),
    "date_impossible": _("“%(value)s” is not a real date."),
    "date_month": _(
        "“%(value)s” is not a real date: there is no month %(month)s (dates are written day first, "
        "DD/MM/YYYY)."
    ),
    "email": _("“%(value)s” is not a valid email address."),
    "parcoursup_number": _("“%(value)s” is not a Parcoursup number (digits, optionally preceded by P)."),
    "parcoursup_number_zero": _("“%(value)s” cannot be a Parcoursup number: it is zero."),
    "parcoursup_number_long": _(
        "“%(value)s” cannot be a Parcoursup number: it has %(digits)s digits, at most %(max)s."
    ),
    "choice": _("“%(value)s” is not one of the accepted values: %(allowed)s."),
    "year": _("“%(value)s” is not a year."),
    "ine": _("“%(value)s” is not an INE (11 letters or digits): it was not kept."),
    "unmapped": _(
        "Offer code “%(value)s” is not mapped to a programme stage: the candidate "
        "was imported without a stage. Map the code to a stage, then import again."
    ),
    "not_accepted": _("Situation %(value)s (%(label)s): not accepted for good, so cannot register."),
    "duplicate_number": _(
        "Same Parcoursup number as line %(line)s with different data: this line replaces it."
    ),
    # Last year's results.
    "student_number": _("“%(value)s” is not a student number (letters and digits only)."),
    "year_code": _(
        "“%(value)s” is not an academic year written YYYY-YYYY with two consecutive years (e.g. 2023-2024)."
    ),
    "unknown_stage": _(
        "Stage code “%(value)s” is not a programme stage: correct the code, or "
        "add the stage, then import again."
    ),
    "duplicate_result": _(
        "Same student, year and stage as line %(line)s with a different result: this line replaces it."
    ),
}

# The reasons that concern the file as a whole (a run that fails stops at one of them): what
# the progress page of a failed import shows, as the upload form once did.
FILE_ISSUES = frozenset(
    {
        "file_empty",
        "file_not_text",
        "file_separator",
        "file_malformed",
        "file_unavailable",
        "column_missing",
        "column_duplicate",
    }
)

# Suggestions that go with some reasons, by code: (the parameter they need, the suggestion).
ISSUE_HINTS = {
    "column_missing": ("closest", _("Closest header in the file: “%(closest)s”.")),
}


class ImportIssue(models.Model):
    """A problem found on one line of an import (or on the whole file when line is 1/empty)."""

    class Severity(models.TextChoices):
        ERROR = "error", _("Error: line not imported")
        WARNING = "warning", _("Warning: line imported")

    run = models.ForeignKey(
        ImportRun, on_delete=models.CASCADE, related_name="issues", verbose_name=_("import run")
    )
    line_number = models.PositiveIntegerField(
        _("line"), null=True, blank=True, help_text=_("As a spreadsheet counts them: the header is line 1.")
    )
    column = models.CharField(_("column"), max_length=50, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    code = models.CharField(_("reason code"), max_length=30)
    params = models.JSONField(_("reason details"), default=dict, blank=True)
    parcoursup_number = models.CharField(_("Parcoursup number (as given)"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("import issue")
        verbose_name_plural = _("import issues")
        ordering = ["run", "line_number", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=["error", "warning"]), name="import_issue_severity_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.describe()

    @property
    def message(self) -> str:
        template = ISSUE_MESSAGES.get(self.code)
        if template is None:
            return self.code
        params = dict(self.params or {})
        try:
            if self.code == "not_accepted":
                # The label is looked up now so that it follows the reader's language.
                params["label"] = Situation(params["value"]).label
            return str(template) % params
        except (KeyError, ValueError, TypeError):
            return str(template)

    @property
    def hint(self) -> str:
        """What may fix the issue, when the import has an idea (else ""), in the reader's
        language: the closest header to a missing column."""
        name, template = ISSUE_HINTS.get(self.code, (None, None))
        value = (self.params or {}).get(name)
        if not value:
            return ""
        return str(template) % {name: value}

    def describe(self) -> str:
        """`line N, column C: reason`, the form used by the command and the reports."""
        parts = []
        if self.line_number is not None:
            if self.run.source == ImportRun.Source.API:
                parts.append(gettext("record %(number)s") % {"number": self.line_number})
            else:
                parts.append(gettext("line %(number)s") % {"number": self.line_number})
        if self.column:
            parts.append(gettext("column %(column)s") % {"column": self.column})
        where = ", ".join(parts)
        return f"{where}: {self.message}" if where else self.message


class ResultCode(models.TextChoices):
    """Last year's result, as the student records system exports it."""

    ADM = "ADM", _("Passed")
    AJAC = "AJAC", _("Failed, allowed into the next stage")
    AJ = "AJ", _("Failed")
    DEF = "DEF", _("Absent")
    EXC = "EXC", _("Excluded")
    DIP = "DIP", _("Graduated")


class Result(models.Model):
    """A student's result for one programme stage in one academic year (from the results
    import). Kept by student number: the student records system knows no other key."""

    student_number = models.CharField(_("student number"), max_length=20)
    year_code = models.CharField(_("academic year of the result"), max_length=9)
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="results", verbose_name=_("programme stage")
    )
    result = models.CharField(_("result"), max_length=4, choices=ResultCode.choices)
    import_run = optional_key(ImportRun, related_name="results", verbose_name=_("import run"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            models.UniqueConstraint(
                fields=["student_number", "year_code", "stage"], name="result_unique_student_year_stage"
            ),
            models.CheckConstraint(
                condition=Q(result__in=[c.value for c in ResultCode]), name="result_code_valid"
            ),
        ]
        indexes = [models.Index(fields=["student_number", "year_code"], name="result_student_year")]

    def __str__(self) -> str:
        return f"{self.student_number} · {self.year_code} · {self.stage.code} · {self.result}"
