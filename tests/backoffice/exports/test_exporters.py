"""The built-in exporters (`exports/exporters.py`): their rows and columns on a small dataset
(`exports`, in tests/backoffice/conftest.py), and their scoping."""

from decimal import Decimal

import pytest
from django.utils import translation

from matricule.admissions.models import Candidate, Result
from matricule.backoffice.exports import all_exporters, get_exporter
from matricule.documents.models import Submission
from matricule.institution.models import Stage
from matricule.payments.models import Payment
from matricule.registration.models import Registration, Student


def export_rows(code, user, year, columns=None, **filters) -> list[dict]:
    exporter = get_exporter(code)
    chosen = exporter.chosen(columns or exporter.column_codes())
    queryset = exporter.queryset(user=user, year=year, filters=filters)
    return [dict(zip([c.code for c in chosen], row, strict=True)) for row in exporter.rows(queryset, chosen)]


def test_the_registry_holds_the_four_exports_each_with_unique_columns_and_defaults():
    assert [e.code for e in all_exporters()][:4] == ["registrations", "payments", "documents", "sise"]
    for exporter in all_exporters():
        codes = exporter.column_codes()
        assert len(codes) == len(set(codes))
        assert exporter.default_columns and set(exporter.default_columns) <= set(codes)
        assert all(str(column.label) for column in exporter.columns)


def test_registrations_one_row_each_in_the_agents_components_with_filters(exports, iut_agent):
    rows = export_rows("registrations", iut_agent, exports.year)
    by_name = {row["last_name"]: row for row in rows}
    assert set(by_name) == {"LEFÈVRE", "GARCIA", "BENALI"}
    chloe = by_name["LEFÈVRE"]
    assert chloe["student_number"] == exports.chloe.student.student_number
    assert chloe["first_names"] == "Chloé"
    assert chloe["stage_code"] == "GEII-1"
    assert chloe["state"] == exports.chloe.get_state_display()
    assert chloe["ine"] == "0494004062M"
    assert chloe["email"] == "chloe.lefevre@example.org"
    assert chloe["birth_date"] == exports.chloe.candidate.birth_date
    assert chloe["fees"] == Decimal("0.00")
    assert by_name["GARCIA"]["fees"] == Decimal(exports.ines.fee_total_cents) / 100

    registered = export_rows("registrations", iut_agent, exports.year, state="registered")
    assert {row["last_name"] for row in registered} == {"LEFÈVRE", "BENALI"}
    gea = Stage.objects.get(code="GEA-1")
    assert [
        row["last_name"] for row in export_rows("registrations", iut_agent, exports.year, stage=str(gea.pk))
    ] == ["GARCIA"]
    # The earlier year is another export.
    earlier = export_rows("registrations", iut_agent, exports.earlier.academic_year)
    assert [row["registration"] for row in earlier] == [exports.earlier.pk]


def test_names_come_from_the_student_then_from_the_admission(exports, iut_agent):
    Student.objects.filter(pk=exports.chloe.student_id).update(last_name="LEFÈVRE-MOREAU", first_names="")
    rows = export_rows(
        "registrations", iut_agent, exports.year, ["last_name", "first_names"], state="awaiting_payment"
    )
    assert rows == [{"last_name": "GARCIA", "first_names": "Inès"}]
    row = next(
        r
        for r in export_rows(
            "registrations", iut_agent, exports.year, ["registration", "last_name", "first_names"]
        )
        if r["registration"] == exports.chloe.pk
    )
    assert (row["last_name"], row["first_names"]) == ("LEFÈVRE-MOREAU", "Chloé")


@pytest.mark.parametrize("code", ["registrations", "payments", "documents", "sise"])
def test_an_agent_of_another_component_gets_none_of_the_iuts_rows(exports, other_agent, administrator, code):
    chartres = set(
        Stage.objects.filter(programme__component__code="iut-chartres").values_list("code", flat=True)
    )
    theirs = export_rows(code, other_agent, exports.year, ["stage_code"])
    assert not {row["stage_code"] for row in theirs} & chartres
    everything = export_rows(code, administrator, exports.year, ["stage_code"])
    assert {row["stage_code"] for row in everything} & chartres
    if code in ("registrations", "sise"):
        assert [row["stage_code"] for row in theirs] == ["INFO-1"]


def test_payments_one_row_per_attempt(exports, iut_agent):
    rows = export_rows("payments", iut_agent, exports.year)
    assert [row["reference"] for row in rows] == ["EXP-1", "EXP-2"]
    assert rows[0]["status"] == Payment.Status.FAILED.label
    assert rows[0]["amount"] == Decimal("178.00")
    assert rows[0]["paid"] is None
    assert rows[0]["last_name"] == "GARCIA"
    pending = export_rows("payments", iut_agent, exports.year, status="pending")
    assert [row["reference"] for row in pending] == ["EXP-2"]


def test_payments_by_hand_say_how_they_were_paid(exports, iut_agent):
    from matricule.payments.services import record_manual_payment

    record_manual_payment(
        exports.ines,
        amount_cents=exports.ines.fee_total_cents,
        actor=iut_agent,
        method="cheque",
        reference=" CHQ 778899 ",
    )
    columns = ["reference", "manual", "manual_method", "manual_reference"]
    exported = export_rows("payments", iut_agent, exports.year, columns=columns)
    rows = {row["reference"]: row for row in exported}
    by_hand = [row for row in rows.values() if row["manual"]]
    assert len(by_hand) == 1
    assert (by_hand[0]["manual_method"], by_hand[0]["manual_reference"]) == ("Chèque", "CHQ 778899")
    assert rows["EXP-1"]["manual_method"] is None and rows["EXP-1"]["manual_reference"] is None
    with pytest.raises(ValueError):
        record_manual_payment(exports.ines, amount_cents=1, actor=iut_agent, method="bitcoin")


def test_documents_one_row_per_required_document(exports, iut_agent):
    submissions = Submission.objects.filter(registration=exports.chloe)
    assert submissions.exists()
    rows = export_rows("documents", iut_agent, exports.year)
    assert (
        len(rows)
        == Submission.objects.filter(
            registration__stage__programme__component__code="iut-chartres",
            registration__academic_year=exports.year,
        ).count()
    )
    chloe = [row for row in rows if row["last_name"] == "LEFÈVRE"]
    assert sorted(row["document_code"] for row in chloe) == sorted(
        submissions.values_list("document_type__code", flat=True)
    )
    assert {row["status"] for row in chloe} == {Submission.Status.MISSING.label}
    one = submissions.first()
    Submission.objects.filter(pk=one.pk).update(status="validated")
    validated = export_rows("documents", iut_agent, exports.year, status="validated")
    assert [(row["last_name"], row["document_code"]) for row in validated] == [
        ("LEFÈVRE", one.document_type.code)
    ]


def test_sise_registered_students_only_with_regime_and_first_years(exports, iut_agent, other_agent):
    rows = {row["last_name"]: row for row in export_rows("sise", iut_agent, exports.year)}
    assert set(rows) == {"LEFÈVRE", "BENALI"}  # Inès has not paid: not registered
    this_year = exports.year.first_year
    chloe = rows["LEFÈVRE"]
    # The nationality as the ISO code SISE reads.
    assert (chloe["ine"], chloe["sex"], chloe["nationality"]) == ("0494004062M", "F", "FR")
    assert (chloe["bac_series"], chloe["bac_year"]) == ("Générale", 2026)
    assert (chloe["programme_code"], chloe["stage_code"], chloe["level"]) == ("but-geii", "GEII-1", 1)
    assert chloe["regime_code"] == "10"
    assert (chloe["first_year_university"], chloe["first_year_he"]) == (2024, 2024)
    nadia = rows["BENALI"]
    assert nadia["regime_code"] == "21"
    with translation.override("en"):
        english = export_rows(
            "sise", iut_agent, exports.year, ["last_name", "regime"], stage=str(exports.nadia.stage_id)
        )
    assert english == [{"last_name": "BENALI", "regime": "Continuing education"}]
    assert nadia["birth_date"] == exports.nadia.candidate.birth_date  # from the admission
    assert nadia["first_year_university"] == this_year
    # Léa: bac this year but a result of 2023-2024 here: first year in higher education unknown.
    lea = export_rows("sise", other_agent, exports.year)[0]
    assert (lea["first_year_university"], lea["first_year_he"]) == (2023, None)


def test_sise_first_year_in_higher_education_for_a_new_bachelor(exports, other_agent):
    Result.objects.all().delete()
    lea = export_rows("sise", other_agent, exports.year)[0]
    assert lea["first_year_university"] == lea["first_year_he"] == exports.year.first_year


def test_sise_gives_the_insee_codes_of_french_communes_not_their_names(exports, iut_agent):
    columns = ["last_name", "birth_commune", "address_commune"]
    rows = {row["last_name"]: row for row in export_rows("sise", iut_agent, exports.year, columns)}
    # Chloé was born in Chartres and lives at 28000 Chartres (her form's answers).
    assert (rows["LEFÈVRE"]["birth_commune"], rows["LEFÈVRE"]["address_commune"]) == ("28085", "28085")
    assert exports.chloe.cleaned["identity"]["birth_insee"] == "28085"  # derived by the form
    # Nadia registered at the desk without the form: her admission's address (28000 Chartres).
    assert rows["BENALI"]["address_commune"] == "28085"
    assert rows["BENALI"]["birth_commune"] is None  # no country of birth in her admission
    Candidate.objects.filter(pk=exports.nadia.candidate_id).update(
        birth_town="St-Denis (974)", birth_country="France", postal_code="75015", city="PARIS"
    )
    # Chloé moved to Paris 15e (an accepted change of address) and her town of birth was corrected.
    cleaned = exports.chloe.cleaned
    cleaned["contacts"].update(postal_code="75015", city="Paris")
    cleaned["identity"]["birth_town"] = "Orléans"
    Registration.objects.filter(pk=exports.chloe.pk).update(cleaned=cleaned)
    rows = {row["last_name"]: row for row in export_rows("sise", iut_agent, exports.year, columns)}
    assert (rows["BENALI"]["birth_commune"], rows["BENALI"]["address_commune"]) == ("97411", "75115")
    assert (rows["LEFÈVRE"]["birth_commune"], rows["LEFÈVRE"]["address_commune"]) == ("45234", "75115")
    # Abroad: no INSEE code.
    cleaned["contacts"].update(country="BE", postal_code="1000", city="Bruxelles")
    cleaned["identity"].update(birth_country="BE", birth_town="Liège")
    Registration.objects.filter(pk=exports.chloe.pk).update(cleaned=cleaned)
    chloe = next(
        r for r in export_rows("sise", iut_agent, exports.year, columns) if r["last_name"] == "LEFÈVRE"
    )
    assert (chloe["birth_commune"], chloe["address_commune"]) == (None, None)


@pytest.mark.parametrize("code", ["registrations", "payments", "documents", "sise"])
def test_rows_come_from_one_query(exports, administrator, code, django_assert_max_num_queries):
    exporter = get_exporter(code)
    queryset = exporter.queryset(user=administrator, year=exports.year)
    with django_assert_max_num_queries(1):
        rows = list(exporter.rows(queryset, list(exporter.columns)))
    assert rows
