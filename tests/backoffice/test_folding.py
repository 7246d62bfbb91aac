"""Names folded the way people type them (`folding.py`): in Python, in SQLite and, as a pattern of
every spelling, on PostgreSQL; the three agree."""

import pytest

from matricule.backoffice.folding import Folded, fold


def test_database_folding_is_the_python_folding(db, django_user_model):
    """The SQL expression (TRANSLATE on PostgreSQL, a registered function on SQLite) folds every
    letter exactly as `fold` does."""
    from django.db.models import Value

    text = "ÀÉÎÕÜ àéîõü Çç Ññ Œœ Ææ ß Ł ø Jean-Pierre N’Diaye Ǆ ĲSSEL Ŵŷ"
    django_user_model.objects.create(username="folding")  # an annotation needs a row to read it on
    value = django_user_model.objects.annotate(f=Folded(Value(text))).values_list("f", flat=True).first()
    assert value == fold(text)
    assert value == "aeiou aeiou cc nn oeoe aeae ss l o jean pierre n diaye dz ijssel wy"


@pytest.mark.parametrize(
    "text",
    [
        "Chloé LEFÈVRE",
        "N’DIAYE Moussa",
        "Jean-Pierre Œuvre",
        "ĲSSEL Ǆ",
        "Straße ẞ",
        "Ærø",
        "ﬁ",
        "İstanbul",
        "Łódź",
        "x\u0301y",
        "Ὀδυσσεύς",
        "",
    ],
)
def test_the_quick_sqlite_folding_is_the_full_folding(text):
    from matricule.backoffice.folding import _sqlite_fold

    assert _sqlite_fold(text) == fold(text)


@pytest.mark.parametrize(
    "name",
    [
        "LEFÈVRE Chloé",
        "N'DIAYE Moussa",
        "Cœur Ægidius",
        "Straße",
        "Noël Zoë",
        "Ĳsselmeer",
        "Łukasz Dvořák",
        "Garcia Inès",
    ],
)
def test_the_postgresql_pattern_finds_what_the_folding_finds(name):
    """On PostgreSQL a typed word becomes a pattern of all its spellings (matched with ~*): it
    finds a name exactly when the folded word is in the folded name (Python's re agrees with
    PostgreSQL's on these patterns)."""
    import re

    from matricule.backoffice.folding import word_pattern

    folded = fold(name)
    for word in {*folded.split(), "oe", "ss", "zoe", "lefevre", "chlo", "coeur", "xyz", "ae", "ij"}:
        found_by_pattern = re.search(word_pattern(word), name, re.IGNORECASE) is not None
        assert found_by_pattern == (word in folded), (name, word)


def test_the_indexed_sql_function_is_the_python_folding(db):
    """PostgreSQL: `matricule_fold`, the folding frozen in SQL by the search indexes' migration,
    folds every letter of the table as `fold` does (a change of the table needs a migration)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the SQL function is PostgreSQL's")
    from matricule.backoffice.folding import REPLACEMENTS, SEPARATORS, TRANSLATE_FROM

    text = "".join(ch for ch, _ in REPLACEMENTS) + TRANSLATE_FROM + SEPARATORS + " Chloé LEFÈVRE"
    ascii_only = "Jean-Pierre N'DIAYE O'Brien-Smith"  # the function's short path
    with connection.cursor() as cursor:
        for value in (text, ascii_only):
            cursor.execute("SELECT matricule_fold(%s)", [value])
            assert cursor.fetchone()[0] == fold(value)
