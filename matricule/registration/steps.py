"""The steps of the registration form, declared in one place: what each asks, when it applies,
when it is complete, and what it starts with."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import forms
from .models import Kind, Registration


@dataclass(frozen=True)
class Step:
    key: str
    title: Promise
    form_class: type[forms.StepForm]
    prefill: Callable[[Registration], dict] = field(default=lambda registration: {})
    applies: Callable[[Registration], bool] = field(default=lambda registration: True)

    def complete(self, registration: Registration) -> bool:
        return self.key in registration.valid_steps

    def form(self, registration: Registration, data=None) -> forms.StepForm:
        kwargs = {"registration": registration} if self.form_class is forms.CvecForm else {}
        if data is None:
            return self.form_class(initial=registration.step_data(self.key), **kwargs)
        return self.form_class(data=data, **kwargs)


def _candidate(registration):
    return registration.candidate


def _identity(registration) -> dict:
    c = _candidate(registration)
    return (
        {"birth_town": c.birth_town, "birth_country": c.birth_country, "nationality": c.nationality}
        if c
        else {}
    )


def _ine(registration) -> dict:
    c = _candidate(registration)
    return {"has_ine": "yes", "ine": c.ine} if c and c.ine else {}


def _bac(registration) -> dict:
    c = _candidate(registration)
    if not c or not c.bac_year:
        return {}
    return {
        "kind": "french",
        "year": c.bac_year,
        "series": c.bac_series,
        "honours": c.bac_honours,
        "school": c.school_uai,
    }


def _contacts(registration) -> dict:
    c = _candidate(registration)
    if not c:
        return {}
    return {
        "street": c.address,
        "postal_code": c.postal_code,
        "city": c.city,
        "country": c.country or "FR",
        "phone": c.phone,
        "email": c.email,
        "email_confirmation": c.email,
    }


def _social(registration) -> dict:
    c = _candidate(registration)
    return {"grant": "crous"} if c and c.grant_holder_hint else {}


def _first_only(registration) -> bool:
    """Identity, INE, baccalaureate and last year are asked once: a re-registration or an
    additional registration carries them over."""
    return registration.kind == Kind.FIRST


def _yearly(registration) -> bool:
    """Asked again each year (address, situation, the year's CVEC); an additional registration
    of the same year shares them with the main one (the CVEC is never asked twice a year)."""
    return registration.kind != Kind.ADDITIONAL


# Not concerned by the CVEC (glossary): continuing-education trainees and exchange students.
NOT_CONCERNED_BY_CVEC = frozenset({"continuing_education", "exchange"})


def populations(registration) -> set[str]:
    """The desk-only populations the registration belongs to: the reason the desk gave, and
    what the admission says (`OfflinePopulation.Kind` values)."""
    reason = (registration.data.get("desk") or {}).get("reason")
    candidate = registration.candidate if registration.candidate_id else None
    return {p for p in (reason, candidate.offline_population if candidate else None) if p}


def cvec_concerned(registration) -> bool:
    """Does this registration pay the CVEC? Not for the populations above, whether the desk
    registered them for that reason or their admission says so."""
    return not populations(registration) & NOT_CONCERNED_BY_CVEC


def _cvec_asked(registration) -> bool:
    return _yearly(registration) and cvec_concerned(registration)


STEPS: list[Step] = [
    Step("identity", _("Identity"), forms.IdentityForm, prefill=_identity, applies=_first_only),
    Step("ine", _("National student identifier"), forms.IneForm, prefill=_ine, applies=_first_only),
    Step("baccalaureate", _("Baccalaureate"), forms.BaccalaureateForm, prefill=_bac, applies=_first_only),
    Step("previous", _("Last year"), forms.PreviousForm, applies=_first_only),
    Step("contacts", _("Contacts"), forms.ContactsForm, prefill=_contacts, applies=_yearly),
    Step("social", _("Social situation"), forms.SocialForm, prefill=_social, applies=_yearly),
    Step("cvec", _("CVEC"), forms.CvecForm, applies=_cvec_asked),
    Step("programme", _("Programme and consents"), forms.ProgrammeForm),
]
BY_KEY = {step.key: step for step in STEPS}


def steps_for(registration: Registration) -> list[Step]:
    return [step for step in STEPS if step.applies(registration)]


def navigation(registration: Registration, key: str, posted) -> tuple[str, bool]:
    """Where a posted step goes ("next", "previous", a step of the list, or "review") and whether
    it stays put when invalid: "next" stays on an invalid step to show its errors; "previous"
    and the step list leave it. Either way what was typed is saved. Online and at the desk."""
    keys = [s.key for s in steps_for(registration)]
    action, goto = posted.get("action", "next"), posted.get("goto")
    index = keys.index(key)
    if goto in keys or goto == "review":
        target = goto
    elif action == "previous":
        target = keys[max(index - 1, 0)]
    else:
        target = keys[index + 1] if index + 1 < len(keys) else "review"
    return target, action == "next" and not goto


def shown_form(step: Step, registration: Registration):
    """The step's form to show: with what was typed and its errors when the step was left invalid."""
    if step.key in registration.touched_steps and step.key not in registration.valid_steps:
        return step.form(registration, data=registration.data[step.key])
    return step.form(registration)


def progress(registration: Registration, current_key: str) -> list[dict]:
    """The list of steps beside a page: each step that applies, complete or not, and the current
    one (a step's key, or "review"). Online and at the desk."""
    return [
        {"step": s, "complete": s.complete(registration), "current": s.key == current_key}
        for s in steps_for(registration)
    ]


def review_blocks(registration: Registration) -> list[dict]:
    """The review page's blocks: each step that applies, complete or not, with its form bound to
    what was typed. Online and at the desk."""
    return [
        {
            "step": s,
            "complete": s.complete(registration),
            "form": s.form(registration, data=registration.data.get(s.key, {})),
        }
        for s in steps_for(registration)
    ]


def carried_blocks(registration: Registration) -> list[dict]:
    """The blocks a re-registration or an additional registration carries without asking them
    again, shown on the review page so the student sees everything the summary will say."""
    asked = {s.key for s in steps_for(registration)}
    return [
        {"step": s, "form": s.form(registration, data=registration.data.get(s.key, {}))}
        for s in STEPS
        if s.key not in asked and s.key in registration.cleaned
    ]


def get_step(key: str) -> Step | None:
    return BY_KEY.get(key)


def missing_steps(registration: Registration) -> list[Step]:
    return [step for step in steps_for(registration) if not step.complete(registration)]


def first_incomplete(registration: Registration) -> Step:
    missing = missing_steps(registration)
    return missing[0] if missing else steps_for(registration)[-1]


def initial_data(registration: Registration) -> dict:
    """What the form starts with, from the admission; stored so it survives like typed data."""
    return {
        step.key: {k: v for k, v in step.prefill(registration).items() if v not in ("", None)}
        for step in STEPS
    }
