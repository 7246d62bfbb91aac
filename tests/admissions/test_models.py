"""The admissions' models (matricule.admissions.models): Parcoursup numbers and emails as they
are compared, the login credentials, the counts of an import run and the messages of its issues."""

import pytest
from django.utils import translation

from matricule.admissions.models import (
    Candidate,
    ImportIssue,
    ImportRun,
    Situation,
    normalize_email,
    normalize_parcoursup_number,
)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("P240012345", "240012345"),
        ("p240012345", "240012345"),
        (" 0240012345 ", "240012345"),
        (240012345, "240012345"),
        ("P", None),
        ("000", None),
        ("P24X", None),
        ("２４０", None),  # full-width digits are digits, but not ASCII ones
        ("1" * 16, None),
        (None, None),
    ],
)
def test_a_parcoursup_number_is_stored_as_digits_without_p_or_leading_zeros(value, stored):
    assert normalize_parcoursup_number(value) == stored


def test_emails_are_compared_in_lower_case_and_kept_as_given(demo_candidates):
    assert normalize_email("  Ines.Garcia@EXAMPLE.org ") == "ines.garcia@example.org"
    chloe = demo_candidates["accepted"]
    chloe.email = "Chloe.L@Example.org"
    chloe.save(update_fields=["email"])

    chloe.refresh_from_db()
    assert (chloe.email, chloe.email_lower) == ("Chloe.L@Example.org", "chloe.l@example.org")


@pytest.mark.parametrize(("situation", "may"), [(s, s == Situation.ACCEPTED) for s in Situation])
def test_only_a_candidate_accepted_for_good_may_register(situation, may):
    assert Candidate(situation=situation).may_register is may


def test_login_credentials_match_number_with_or_without_p_and_email_in_any_case(
    run_import, sample_bytes, demo
):
    import datetime

    run_import(sample_bytes)
    year, birth = demo.current_year, datetime.date(2006, 9, 19)
    match = Candidate.objects.matching_credentials

    assert match(year, "P1234570", birth, " ines.garcia@EXAMPLE.org").get().first_names == "Inès"
    assert match(year, "1234570", birth, "INES.GARCIA@example.org").exists()
    assert not match(year, "1234570", datetime.date(2006, 9, 20), "ines.garcia@example.org")
    assert not match(year, "P12X", birth, "ines.garcia@example.org")


@pytest.mark.parametrize(
    ("status", "finished"), [("queued", False), ("running", False), ("done", True), ("failed", True)]
)
def test_a_run_is_finished_once_done_or_failed(status, finished):
    assert ImportRun(status=status).finished is finished


def test_a_run_may_be_stored_queued_but_not_in_an_unknown_status(demo):
    from django.db import IntegrityError, transaction

    run = ImportRun.objects.create(academic_year=demo.current_year, status=ImportRun.Status.QUEUED)
    assert ImportRun.objects.get(pk=run.pk).status == "queued"
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(status="paused")


def test_counts_follow_the_kind_of_import():
    counts = ["lines_read", "created", "updated", "unchanged", "rejected"]

    assert list(ImportRun(kind=ImportRun.Kind.RESULTS).count_fields()) == counts
    assert list(ImportRun(kind=ImportRun.Kind.ADMISSIONS).count_fields()) == [
        *counts,
        "unmapped",
        "not_accepted",
    ]


def test_an_issue_says_where_and_why_in_the_readers_language(demo):
    run = ImportRun.objects.create(academic_year=demo.current_year, file_name="admis.csv")
    issue = ImportIssue(
        run=run,
        line_number=5,
        column="code_situation",
        severity="warning",
        code="not_accepted",
        params={"value": "3"},
    )

    with translation.override("en"):
        assert issue.describe() == (
            "line 5, column code_situation: Situation 3 (Refused or withdrawn): not accepted for good, "
            "so cannot register."
        )
    assert issue.describe().startswith("ligne 5, colonne code_situation: ")
    run.source = ImportRun.Source.API
    with translation.override("en"):
        assert issue.describe().startswith("record 5, column code_situation: ")
        whole_file = ImportIssue(run=run, severity="error", code="file_empty")
        assert whole_file.describe() == "The file is empty."
        assert ImportIssue(run=run, severity="error", code="new_code").message == "new_code"
        missing = ImportIssue(run=run, severity="error", code="column_missing", params={})
        assert missing.message == "Required column “%(column)s” is missing."  # never an error


def test_counts_are_labelled_in_reading_order(demo):
    run = ImportRun(kind=ImportRun.Kind.RESULTS, academic_year=demo.current_year, created=5, rejected=1)

    with translation.override("en"):
        assert [(str(label), value) for label, value in run.counts()] == [
            ("lines read", 0),
            ("created", 5),
            ("updated", 0),
            ("unchanged", 0),
            ("rejected", 1),
        ]


@pytest.mark.parametrize(
    ("code", "params", "message"),
    [
        (
            "date_month",
            {"value": "15/13/2006", "month": 13},
            "“15/13/2006” is not a real date: there is no month 13 (dates are written day first, "
            "DD/MM/YYYY).",
        ),
        ("parcoursup_number_zero", {"value": "P000"}, "“P000” cannot be a Parcoursup number: it is zero."),
        (
            "parcoursup_number_long",
            {"value": "1234567890123456", "digits": 16, "max": 15},
            "“1234567890123456” cannot be a Parcoursup number: it has 16 digits, at most 15.",
        ),
    ],
)
def test_impossible_values_have_their_own_messages(code, params, message):
    issue = ImportIssue(severity="error", code=code, params=params)

    with translation.override("en"):
        assert issue.message == message


def test_a_missing_column_hints_at_the_closest_header_only_when_there_is_one():
    hinted = ImportIssue(code="column_missing", params={"column": "nom", "closest": "noms"})
    plain = ImportIssue(code="column_missing", params={"column": "nom"})

    with translation.override("en"):
        assert hinted.hint == "Closest header in the file: “noms”."
        # The reason itself is the same with or without the hint.
        assert hinted.message == plain.message == "Required column “nom” is missing."
    assert plain.hint == ""
    assert ImportIssue(code="required", params={"closest": "noms"}).hint == ""
