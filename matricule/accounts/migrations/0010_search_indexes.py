"""Search indexes (issue 19), PostgreSQL only: `matricule_fold(text)`, the folding of
`backoffice/folding.py` as an immutable SQL function (its table frozen here: a change of the
table needs a new migration; tests/backoffice/test_folding.py compares both), the trigram
extension, and the indexes the back office's search reads on the accounts: the folded name
(trigrams, for "every typed word in the name") and the email as `iexact` compares it.

Nothing on SQLite (it folds with a Python function and has no such index), nor trigram indexes
where the server does not offer pg_trgm (the search then reads the names as before)."""

from django.db import migrations

# backoffice/folding.py's REPLACEMENTS, TRANSLATE_FROM and TRANSLATE_TO on 2026-12-07.
REPLACEMENTS = [
    ("Æ", "ae"),
    ("ß", "ss"),
    ("æ", "ae"),
    ("Ĳ", "ij"),
    ("ĳ", "ij"),
    ("Œ", "oe"),
    ("œ", "oe"),
    ("Ǆ", "dz"),
    ("ǅ", "dz"),
    ("ǆ", "dz"),
    ("Ǉ", "lj"),
    ("ǈ", "lj"),
    ("ǉ", "lj"),
    ("Ǌ", "nj"),
    ("ǋ", "nj"),
    ("ǌ", "nj"),
    ("Ǳ", "dz"),
    ("ǲ", "dz"),
    ("ǳ", "dz"),
]
TRANSLATE_FROM = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŊŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƁƂƄƆƇƉƊƋƎƏƐƑƓƔƖƗƘƜƝƟƠơƢƤƦƧƩƬƮƯưƱƲƳƵƷƸƼǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǢǣǤǦǧǨǩǪǫǬǭǮǯǰǴǵǶǷǸǹǺǻǼǽǾǿȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȜȞȟȠȢȤȦȧȨȩȪȫȬȭȮȯȰȱȲȳȺȻȽȾɁɃɄɅɆɈɊɌɎ-'’‐‑"  # noqa: E501
TRANSLATE_TO = "aaaaaaceeeeiiiiðnoooooouuuuyþaaaaaaceeeeiiiinoooooouuuuyyaaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiijjkkllllllllnnnnnnŋoooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzsɓƃƅɔƈɖɗƌǝəɛƒɠɣɩɨƙɯɲɵooƣƥʀƨʃƭʈuuʊʋƴƶʒƹƽaaiioouuuuuuuuuuaaaaææǥggkkooooʒʒjggƕƿnnaaææøøaaaaeeeeiiiioooorrrruuuussttȝhhƞȣȥaaeeooooooooyyⱥȼƚⱦɂƀʉʌɇɉɋɍɏ     "  # noqa: E501


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def fold_sql(argument: str) -> str:
    """LOWER(TRANSLATE(REPLACE(…))) of `argument`, exactly as folding.Folded compiles it."""
    sql = argument
    for ch, replacement in REPLACEMENTS:
        sql = f"REPLACE({sql}, {_literal(ch)}, {_literal(replacement)})"
    return f"LOWER(TRANSLATE({sql}, {_literal(TRANSLATE_FROM)}, {_literal(TRANSLATE_TO)}))"


# Most names are plain ASCII (as many bytes as letters): for them the folding is LOWER with the
# separators as spaces, the same result without the long TRANSLATE (about ten times slower),
# which PostgreSQL runs again on every row a trigram index finds.
FUNCTION = (
    "CREATE OR REPLACE FUNCTION matricule_fold(value text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fold$ SELECT CASE "
    "WHEN octet_length(value) = char_length(value) THEN LOWER(TRANSLATE(value, '-''', '  ')) "
    "ELSE " + fold_sql("value") + " END $fold$"
)


def has_trigrams(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        return cursor.fetchone() is not None


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    # `email__iexact` compares UPPER(email) (the login and the search).
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS accounts_user_email_upper ON accounts_user (UPPER(email))"
    )
    if has_trigrams(schema_editor):
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS accounts_user_name_trgm ON accounts_user "
            "USING gin (matricule_fold(last_name || ' ' || first_name) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS accounts_user_name_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS accounts_user_email_upper")
    # Other apps' indexes use the function: theirs are dropped first (their migrations depend
    # on this one); the extension is left (other databases' objects may use it).
    schema_editor.execute("DROP FUNCTION IF EXISTS matricule_fold(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_throttle_delays"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
