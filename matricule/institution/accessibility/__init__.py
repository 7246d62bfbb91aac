"""The accessibility statement (déclaration d'accessibilité) that the RGAA requires, in the form of
the DINUM's model: the conformity state from the university's audit figures, and the project's
own automated checks (axe-core) read from `axe-results.json`, which `scripts/axe-audit` writes.

The conformity state follows the RGAA's rule: "totalement conforme" when every applicable
criterion is met, "partiellement conforme" when at least half are, "non conforme" when fewer
are or when there is no audit to measure it. Automated checks never decide it: they cover only
part of the criteria (docs/accessibility.md).
"""

import datetime
import functools
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

RGAA_VERSION = "4.1.2"
RESULTS_FILE = Path(__file__).resolve().with_name("axe-results.json")

# The pages of the sample the automated checks open (scripts/axe-audit), in French and in
# English, with the names the statement lists them under. The script and a test hold the file
# to this list.
PAGES = {
    "registration-page": _("Public registration page"),
    "admission-login": _("Sign-in with the Parcoursup admission"),
    "privacy-notice": _("Personal data (privacy notice)"),
    "accessibility-statement": _("Accessibility statement"),
    "verification": _("Verification of an issued document"),
    "student-home": _("Student's home page"),
    "registration-step": _("A step of the registration form"),
    "payment": _("Payment of the registration fees"),
    "registration-status": _("My registration (status and summary)"),
    "documents": _("Supporting documents"),
    "requests": _("My requests"),
    "certificate": _("Enrolment certificate"),
    "certificate-html": _("Enrolment certificate, accessible version (HTML)"),
    "summary-html": _("Registration summary, accessible version (HTML)"),
    "receipt-html": _("Payment receipt, accessible version (HTML)"),
}


class Conformity(models.TextChoices):
    TOTAL = "total", pgettext_lazy("RGAA conformity", "fully compliant")
    PARTIAL = "partial", pgettext_lazy("RGAA conformity", "partially compliant")
    NONE = "none", pgettext_lazy("RGAA conformity", "non-compliant")


def conformity(met: int | None, applicable: int | None) -> Conformity:
    """The RGAA conformity state of an audit that found `met` of `applicable` criteria met."""
    if met is None or not applicable:
        return Conformity.NONE  # no audit: nothing measures the criteria met
    if met >= applicable:
        return Conformity.TOTAL
    if 2 * met >= applicable:
        return Conformity.PARTIAL
    return Conformity.NONE


def rate(met: int | None, applicable: int | None) -> int | None:
    """The percentage of criteria met, rounded down: a statement never rounds up to 100 %."""
    if met is None or not applicable:
        return None
    return 100 * met // applicable


@dataclass(frozen=True)
class PageCheck:
    key: str
    language: str
    path: str
    passes: int
    incomplete: int
    violations: list[dict]

    @property
    def name(self) -> str:
        return str(PAGES.get(self.key, self.key))


@dataclass(frozen=True)
class AutomatedChecks:
    """What axe-core found on the sample, as `scripts/axe-audit` recorded it."""

    checked_at: datetime.datetime
    axe_version: str
    browser: str
    tags: list[str]
    pages: list[PageCheck]

    @property
    def page_keys(self) -> list[str]:
        """The pages checked, each once, in the order of the sample."""
        return list(dict.fromkeys(page.key for page in self.pages))

    @property
    def page_names(self) -> list[str]:
        return [str(PAGES.get(key, key)) for key in self.page_keys]

    @property
    def languages(self) -> list[str]:
        return list(dict.fromkeys(page.language for page in self.pages))

    @property
    def passes(self) -> int:
        """Rules passed, added up over every page in every language."""
        return sum(page.passes for page in self.pages)

    @property
    def violations(self) -> int:
        """Rules failed, added up over every page in every language."""
        return sum(len(page.violations) for page in self.pages)

    @property
    def failing(self) -> list[PageCheck]:
        return [page for page in self.pages if page.violations]


def read_results(path: Path | None = None) -> AutomatedChecks | None:
    """The recorded automated checks (`RESULTS_FILE` by default); None when the file is missing
    or not readable as such."""
    try:
        raw = json.loads((path or RESULTS_FILE).read_text(encoding="utf-8"))
        return AutomatedChecks(
            checked_at=datetime.datetime.fromisoformat(raw["checked_at"]),
            axe_version=raw["axe_version"],
            browser=raw["browser"],
            tags=list(raw["tags"]),
            pages=[
                PageCheck(
                    key=page["key"],
                    language=page["language"],
                    path=page["path"],
                    passes=int(page["passes"]),
                    incomplete=int(page["incomplete"]),
                    violations=list(page["violations"]),
                )
                for page in raw["pages"]
            ],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


@functools.cache
def automated_checks() -> AutomatedChecks | None:
    """The committed results, read once per process (they change only with a deployment)."""
    return read_results()


def lines(text: str) -> list[str]:
    """A configured list, one item a line, blank lines left out."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@dataclass(frozen=True)
class Statement:
    """What the statement page says, from the university's configuration and the checks."""

    university: object  # institution.models.University, or None when none is configured
    site_url: str
    conformity: Conformity
    rate: int | None
    non_conformities: list[str]
    exemptions: list[str]
    checks: AutomatedChecks | None

    @property
    def audited(self) -> bool:
        return self.rate is not None


def statement(university, site_url: str, checks: AutomatedChecks | None = None) -> Statement:
    met = getattr(university, "accessibility_criteria_met", None)
    applicable = getattr(university, "accessibility_criteria_applicable", None)
    return Statement(
        university=university,
        site_url=site_url,
        conformity=conformity(met, applicable),
        rate=rate(met, applicable),
        non_conformities=lines(university.accessibility_non_conformities) if university else [],
        exemptions=lines(university.accessibility_exemptions) if university else [],
        checks=checks,
    )
