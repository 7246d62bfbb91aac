"""The desk registration's forms (`desk_forms.py`): who is registered and why, the payment taken at
the desk, the reason for an exemption."""

import datetime

import pytest
from django.utils import timezone

from matricule.backoffice.desk_forms import ExemptionForm, PaymentForm, StartForm
from matricule.institution.models import Stage


@pytest.fixture
def chartres_stages(demo):
    return Stage.objects.filter(programme__component__code="iut-chartres").select_related(
        "programme__component"
    )


def start_data(stage, **changes):
    return {
        "last_name": "KOWALSKA",
        "first_names": "Zofia",
        "sex": "F",
        "birth_date": "14/03/2006",
        "email": "zofia@example.org",
        "stage": stage.pk,
        "reason": "exchange",
        **changes,
    }


def test_a_new_persons_identity_stage_and_reason(chartres_stages):
    geii = chartres_stages.get(code="GEII-1")
    form = StartForm(start_data(geii), stages=chartres_stages)
    assert form.is_valid(), form.errors
    assert form.identity() == {
        "last_name": "KOWALSKA",
        "first_names": "Zofia",
        "sex": "F",
        "birth_date": datetime.date(2006, 3, 14),
        "email": "zofia@example.org",
    }
    assert form.cleaned_data["stage"] == geii
    label = form.fields["stage"].label_from_instance(geii)
    assert label == f"{geii.name} — {geii.programme.name} ({geii.programme.component.name})"


def test_a_date_of_birth_must_be_in_the_past_and_a_stage_among_those_offered(chartres_stages):
    geii = chartres_stages.get(code="GEII-1")
    today = timezone.localdate().strftime("%d/%m/%Y")
    form = StartForm(start_data(geii, birth_date=today), stages=chartres_stages)
    assert list(form.errors) == ["birth_date"]
    orleans = Stage.objects.get(code="INFO-1")
    assert list(StartForm(start_data(orleans), stages=chartres_stages).errors) == ["stage"]


def test_an_admitted_candidate_keeps_the_admissions_identity(demo_candidates, chartres_stages):
    nadia = demo_candidates["continuing_education"]
    form = StartForm(stages=chartres_stages, candidate=nadia)
    assert list(form.fields) == ["stage", "reason"]
    assert form.initial == {"stage": nadia.stage_id, "reason": nadia.offline_population}
    assert nadia.offline_population == "continuing_education"


def test_a_payment_other_than_cash_needs_its_reference():
    form = PaymentForm(data={"method": "cheque", "amount": "178,00"})
    assert list(form.errors) == ["reference"]
    assert PaymentForm(data={"method": "cheque", "amount": "178,00", "reference": "CHQ 1"}).is_valid()
    assert PaymentForm(data={"method": "cash", "amount": "178,00"}).is_valid()
    assert list(PaymentForm(data={"method": "bitcoin", "amount": "178,00"}).errors) == ["method"]


def test_the_amount_is_read_as_typed_and_kept_in_cents():
    form = PaymentForm(data={"method": "card", "amount": "178,5", "reference": "TPE 4521"})
    assert form.is_valid(), form.errors
    assert form.amount_cents == 17850
    assert list(PaymentForm(data={"method": "cash", "amount": "0"}).errors) == ["amount"]


def test_an_exemption_says_why():
    assert not ExemptionForm(data={"reason": "   "}).is_valid()
    form = ExemptionForm(data={"reason": "  Accord Erasmus+  "})
    assert form.is_valid()
    assert form.cleaned_data["reason"] == "Accord Erasmus+"
