"""Names compared the way people type them: without accents, without case, hyphens as spaces.

"Chloé LEFÈVRE", "chloe lefevre" and "CHLOE Lefevre" all fold to "chloe lefevre".

The folding is done in the database, so that a search filters there and never loads every
student: one `Folded(expression)` that compiles per database, from one table built here.

- SQLite: a deterministic Python function registered on each new connection
  (`register_sqlite_function`, connected in `apps.py`): SQLite's own LOWER only knows ASCII.
- PostgreSQL: `LOWER(TRANSLATE(REPLACE(…)))` with the table below. Both are built-in, so no
  `unaccent` extension (nor the privilege to create it) is needed, and the result is exactly
  the Python folding for every letter of the table (Latin-1, Latin Extended-A and B), whatever
  the database's locale (the accents are removed before LOWER, which with a "C" locale only
  knows ASCII). TRANSLATE with a long table is slow on many rows, though, so on PostgreSQL the
  names are folded once, when written (`search_name`, a generated column of the student and of
  the account, read through trigram indexes); a word too short for trigrams is folded and turned
  into a regular expression matching every accented spelling (`word_pattern`: "chloe" becomes
  `ch[lĺļľŀł…][oòóôõöø…](?:[eèéêë…])`), which PostgreSQL matches on the names as stored, case
  ignored (~*), with no function applied to them.
- Any other database: LOWER only (accents then count).
"""

import unicodedata

from django.db.models import CharField, Func

SQLITE_FUNCTION = "MATRICULE_FOLD"

# Letters that Unicode does not decompose into a base letter plus an accent.
_EXTRA = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ø": "o",
        "Ø": "O",
        "ı": "i",
        "ħ": "h",
        "Ħ": "H",
        "ŧ": "t",
        "Ŧ": "T",
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ẞ": "SS",
    }
)
# Written between the parts of a name: "Jean-Pierre", "N'DIAYE", "N’Diaye".
SEPARATORS = "-'’‐‑"


def fold(text: str) -> str:
    """Lower case, accents removed, ligatures spelt out, hyphens and apostrophes as spaces."""
    text = unicodedata.normalize("NFKD", str(text).translate(_EXTRA))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for separator in SEPARATORS:
        text = text.replace(separator, " ")
    return text.lower()


def words(text: str) -> list[str]:
    return fold(text).split()


def _table() -> tuple[list[tuple[str, str]], str, str]:
    """(multi-letter replacements, TRANSLATE's from, TRANSLATE's to) matching `fold`."""
    replacements, source, target = [], [], []
    candidates = [chr(code) for code in range(0x00C0, 0x0250)] + list(SEPARATORS)
    for ch in candidates:
        if ch not in SEPARATORS and not ch.isalpha():
            continue
        folded = fold(ch)
        if folded == ch.lower() and ch.isascii():
            continue
        if len(folded) == 1:
            if folded != ch:
                source.append(ch)
                target.append(folded)
        elif folded and folded.isascii():
            replacements.append((ch, folded))
    return replacements, "".join(source), "".join(target)


REPLACEMENTS, TRANSLATE_FROM, TRANSLATE_TO = _table()


def _spellings() -> tuple[dict[str, str], dict[str, str]]:
    """For each folded letter, every letter folding to it; for each folded pair ("oe"), the
    ligatures folding to it ("Œœ")."""
    letters: dict[str, str] = {}
    for source, target in zip(TRANSLATE_FROM, TRANSLATE_TO, strict=True):
        if target.isascii() and target.isalpha():
            letters[target] = letters.get(target, target + target.upper()) + source
    pairs: dict[str, str] = {}
    for source, target in REPLACEMENTS:
        pairs[target] = pairs.get(target, "") + source
    return letters, pairs


_LETTERS, _PAIRS = _spellings()


def _one(ch: str) -> str:
    if ch in _LETTERS:
        return f"[{_LETTERS[ch]}]"
    return ch if ch.isalnum() else "\\" + ch


def word_pattern(word: str) -> str:
    """A PostgreSQL regular expression (used with ~*) matching the names containing `word`
    (already folded) in any accented or ligatured spelling; see the module docstring."""
    parts, index = [], 0
    while index < len(word):
        pair = word[index : index + 2]
        if len(pair) == 2 and pair in _PAIRS:
            parts.append(f"(?:{_one(pair[0])}{_one(pair[1])}|[{_PAIRS[pair]}])")
            index += 2
        else:
            parts.append(_one(word[index]))
            index += 1
    return "".join(parts)


class Folded(Func):
    """`fold` as a database expression (see the module docstring)."""

    function = "LOWER"
    arity = 1
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function=SQLITE_FUNCTION, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        params = list(params)
        for ch, replacement in REPLACEMENTS:
            sql = f"REPLACE({sql}, %s, %s)"
            params += [ch, replacement]
        sql = f"LOWER(TRANSLATE({sql}, %s, %s))"
        return sql, (*params, TRANSLATE_FROM, TRANSLATE_TO)


# The same folding as one str.translate for the letters of the table (most names), the full
# Unicode path only for what remains: SQLite calls this once per name searched.
_FAST = str.maketrans({**dict(zip(TRANSLATE_FROM, TRANSLATE_TO, strict=True)), **dict(REPLACEMENTS)})


def _sqlite_fold(value):
    if value is None:
        return None
    quick = value.translate(_FAST)
    return quick.lower() if quick.isascii() else fold(value)


def register_sqlite_function(sender, connection, **kwargs):
    """Connected to `connection_created`: teaches each SQLite connection MATRICULE_FOLD."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, _sqlite_fold, deterministic=True)
