"""The audit trail said in words (`event_labels.py`): a label for every code the source
records, one-line summaries from the data, the audit log's filters by kind, person and
component, and links to the student's file."""

import ast
from pathlib import Path

from django.utils import translation

from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.backoffice import audit_log, event_labels
from matricule.certificates.models import IssuedDocument
from matricule.institution.models import Component
from matricule.payments.models import Payment
from matricule.registration.models import State

SOURCE = Path(__file__).resolve().parents[2] / "matricule"


def recorded_codes() -> set[str]:
    """Every action code passed to `record(...)` in the source: literal ones, and the f-strings
    with what their placeholder can be."""
    expansions = {
        "registration.{wanted}": [f"registration.{state}" for state in State.values],
        "payments.{wanted}": ["payments.failed", "payments.cancelled"],
        "certificates.{kind}.issued": [f"certificates.{kind}.issued" for kind in IssuedDocument.Kind.values],
        "documents.{decision}": ["documents.validated", "documents.refused"],
        "waitingroom.gate.{('created' if created else 'changed')}": [
            "waitingroom.gate.created",
            "waitingroom.gate.changed",
        ],
    }
    codes: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            first = node.args[0]
            if name == "record" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                codes.add(first.value)
            elif name == "record" and isinstance(first, ast.IfExp):
                branches = (first.body, first.orelse)
                codes.update(branch.value for branch in branches if isinstance(branch, ast.Constant))
            elif name == "record" and isinstance(first, ast.JoinedStr):
                template = ast.unparse(first)[2:-1]
                if not template.startswith("institution."):  # labelled by their family
                    codes.update(expansions[template])
            # Codes passed on to record() through a parameter (totp.remove, the API's imports) or a
            # class attribute; argparse's action= is not one.
            for keyword in node.keywords if name != "add_argument" else []:
                value = keyword.value
                if keyword.arg == "action" and isinstance(value, ast.Constant) and "." in str(value.value):
                    codes.add(value.value)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and [getattr(t, "id", None) for t in node.targets] == ["event"]
                and isinstance(node.value, ast.Constant)
            ):
                codes.add(node.value.value)
    return codes


def test_every_recorded_code_has_a_label():
    codes = recorded_codes()
    assert "payments.confirmed" in codes and "admissions.import.finished" in codes  # the scan works
    assert sorted(code for code in codes if code not in event_labels.LABELS) == []


def test_every_label_is_translated_into_french():
    def labels(language):
        with translation.override(language):
            return {code: str(label) for code, label in event_labels.LABELS.items()}

    french, english = labels("fr"), labels("en")
    assert [code for code in event_labels.LABELS if french[code] == english[code]] == []


def test_summaries_say_what_happened_with_amounts_in_euros(demo):
    with translation.override("fr"):
        assert (
            event_labels.summary("payments.confirmed", {"amount_cents": 17800, "gateway": "paybox"})
            == "Paiement de 178\u00a0€ confirmé (Paybox)"
        )
        assert (
            event_labels.summary("payments.refunded", {"amount_cents": 9050, "through_gateway": False})
            == "Remboursement de 90,50\u00a0€ fait à la main"
        )
        anomaly = event_labels.summary("payments.anomaly", {"anomaly": "underpaid", "paid": 10000})
        assert anomaly.startswith("Paiement à vérifier : ") and anomaly.endswith("(100\u00a0€ payés)")
        assert (
            event_labels.summary(
                "documents.refused", {"document": "identity", "reason": "", "comment": "Illisible"}
            )
            == "Pièce « Pièce d'identité (carte d'identité ou passeport) » refusée : Illisible"
        )
        assert event_labels.summary("requests.filed", {"kind": "refund"}).startswith("Demande déposée : ")
    with translation.override("en"):
        assert (
            event_labels.summary("payments.confirmed", {"amount_cents": 17800, "gateway": "payfip"})
            == "Payment of 178\u00a0€ confirmed (PayFiP)"
        )


def test_an_event_without_the_expected_data_is_shown_by_its_label():
    with translation.override("fr"):
        # Recorded by an older version, or by hand: never an error, never a "?".
        assert event_labels.summary("payments.confirmed", {}) == "Paiement confirmé"
        assert event_labels.summary("documents.refused", {"reason": "blurred"}) == "Pièce refusée"
        assert event_labels.summary("payments.confirmed", "not a dict") == "Paiement confirmé"
        assert event_labels.summary("something.new", {}) == "something.new"
        assert event_labels.label("institution.stage.changed").startswith(
            "Paramétrage de l'université modifié"
        )


def test_the_filter_offers_families_and_kinds_from_a_list(db):
    form = audit_log.AuditFilterForm()
    groups = dict(form.fields["action"].choices[1:])
    payments = dict(groups[str(event_labels.FAMILIES[1][1])])
    assert "payments." in payments and "payments.confirmed" in payments
    assert not audit_log.AuditFilterForm({"action": "payments.confirm"}).is_valid()  # not typed codes


def test_filters_by_kind_person_and_component(demo, iut_agent, administrator):
    Event.objects.all().delete()
    iut = Component.objects.get(code="iut-chartres")
    other = Component.objects.exclude(pk=iut.pk).first()
    record("payments.confirmed", actor=iut_agent, component_id=iut.pk, amount_cents=100)
    record("payments.refunded", actor=administrator, component_id=other.pk, amount_cents=100)
    record("registration.registered", actor=iut_agent, component_id=iut.pk)

    def actions(**filters):
        return sorted(audit_log.filtered_events(filters).values_list("action", flat=True))

    assert actions(action="payments.") == ["payments.confirmed", "payments.refunded"]
    assert actions(action="payments.confirmed") == ["payments.confirmed"]
    assert actions(actor=iut_agent.last_name[:4].lower()) == ["payments.confirmed", "registration.registered"]
    assert actions(actor=administrator.username.upper()) == ["payments.refunded"]
    assert actions(component=str(other.pk)) == ["payments.refunded"]
    # An auditor is offered only the components they may read.
    form = audit_log.AuditFilterForm(components={iut.pk})
    assert [value for value, _label in form.fields["component"].choices] == ["", str(iut.pk)]


def test_events_link_to_the_student_file(demo, demo_candidates, administrator, staff_client):
    from tests.backoffice.conftest import make_registrations

    (registration,) = make_registrations("GEII-1", 1, "registered", demo.current_year)
    payment = Payment.objects.create(
        registration=registration,
        reference="LINK0001",
        gateway="paybox",
        amount_cents=17800,
        paid_cents=17800,
        status=Payment.Status.CONFIRMED,
        fee_key="link",
    )
    Event.objects.all().delete()
    record("payments.confirmed", obj=payment, amount_cents=17800, gateway="paybox")
    record("registration.registered", obj=registration)
    Event.objects.create(
        action="registration.registered", object_type="registration.registration", object_id="999999"
    )

    html = staff_client(administrator).get("/gestion/audit/").content.decode()

    assert html.count(f'href="/gestion/etudiant/{registration.student_id}/"') == 2
    assert "Paiement de 178\u00a0€ confirmé (Paybox)" in html
    assert "registration.registration 999999" in html  # gone: no link, its code stays
