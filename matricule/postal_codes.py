"""French postal codes and the communes they serve, with the communes' INSEE codes: whether a
French address's postal code exists and goes with its town, and the INSEE code of that town or
of a town of birth (what the SISE survey wants, rather than a name).

The table is Etalab's "Base officielle des codes postaux" (INSEE's Code officiel géographique
and the DGFiP's data, Licence Ouverte), as the npm package `codes-postaux` ships it, kept in
`data/postal_codes.csv.gz` and refreshed by `scripts/refresh-postal-codes`. It is read once per
process, on first use, into one string per postal code (about 6 200 of them, a few MB), each
parsed when asked. Metropolitan France, Corsica and the overseas departments are in it, with
Saint-Pierre-et-Miquelon, Saint-Barthélemy and Saint-Martin; not the territories whose codes
start with 98 (Wallis-et-Futuna, French Polynesia, New Caledonia), which are accepted as typed.

Towns are compared folded: without accents, case, hyphens, apostrophes or extra spaces, "St"
read as "Saint", "Cedex 12" left out, an arrondissement written "15e", "15ème" or "15" (Paris,
Lyon, Marseille; the city's name alone also goes), and the libellé d'acheminement (the town line
La Poste prints, often the name of a commune since merged into another) accepted as well as the
commune's name.

CEDEX codes (companies and administrations) are mostly not in the table: a code the table does
not have is accepted when the town says CEDEX and the code's department exists, since nobody
can check it against an open list."""

import functools
import gzip
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from matricule.letters import LIGATURES

DATA = Path(__file__).resolve().parent / "data" / "postal_codes.csv.gz"

CODE_RE = re.compile(r"[0-9]{5}")
# Territories the table does not cover: their codes are taken as typed.
UNCHECKED_PREFIXES = ("98",)
# The three cities in arrondissements: the table lists the arrondissements (75115…), the
# commune itself has a code of its own (what a town of birth written "Paris" is).
CITIES_IN_ARRONDISSEMENTS = {"PARIS": "75056", "MARSEILLE": "13055", "LYON": "69123"}

# Ligatures in letters; typographic apostrophes and dashes, which NFKD keeps, as spaces.
_PLAIN = {**LIGATURES, **str.maketrans(dict.fromkeys("\u2018\u2019\u02bc\u2010\u2011\u2013\u2014", " "))}
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")
_SPECIAL = re.compile(r"[0-9]|\b(?:STE?S?|ARR|ARRT|ARRONDISSEMENT)\b")
_ABBREVIATIONS = {"ST": "SAINT", "STE": "SAINTE", "STS": "SAINTS", "STES": "SAINTES"}
_ARRONDISSEMENT_WORDS = frozenset({"ARRONDISSEMENT", "ARR", "ARRT"})
_ORDINAL = re.compile(r"0*([0-9]{1,2})(?:E|ER|ERE|EME|IEME)?")
_CEDEX = re.compile(r"(?:^| )CEDEX(?: [0-9]{1,3})?$")
# "Saint-Denis (93)", "Saint-Denis 974", "Ajaccio (2A)": a department after a town's name.
_DEPARTMENT = re.compile(r"^(.+?) (97[0-9]|2A|2B|[0-9]{1,2})$")


@dataclass(frozen=True)
class Commune:
    insee_code: str
    name: str
    libelle: str  # the libellé d'acheminement; "" when it is the name in capitals


def fold(name: str) -> str:
    """A town's name as compared: "Saint-Étienne" and "ST ETIENNE" are "SAINT ETIENNE", "Paris
    15e Arrondissement" and "PARIS 15" are "PARIS 15"."""
    text = name or ""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_PLAIN)).encode("ascii", "ignore").decode()
    folded = " ".join(_NOT_ALNUM.sub(" ", text.upper()).split())
    if not _SPECIAL.search(folded):  # most names: no number, no abbreviation
        return folded
    words = []
    for word in folded.split():
        if word in _ARRONDISSEMENT_WORDS:
            continue
        ordinal = _ORDINAL.fullmatch(word)
        if ordinal and words:
            word = str(int(ordinal.group(1)))
        words.append(_ABBREVIATIONS.get(word, word))
    return " ".join(words)


def _without_cedex(folded: str) -> tuple[str, bool]:
    """("CHARTRES", True) for "CHARTRES CEDEX 1"."""
    found = _CEDEX.search(folded)
    return (folded[: found.start()].strip(), True) if found else (folded, False)


def normal_code(text: str) -> str:
    """A postal code as stored: "28 000" is "28000"."""
    return "".join(str(text or "").split())


def department(code: str) -> str:
    """The department part of a postal code: 28 for 28000, 974 for 97400, 20 for Corsica."""
    return code[:3] if code.startswith("97") else code[:2]


@functools.cache
def _table() -> dict[str, str]:
    """postal code → its communes, one "insee;name;libellé" line each (parsed when asked)."""
    grouped: dict[str, list[str]] = {}
    with gzip.open(DATA, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or line.startswith("postal_code;"):
                continue
            code, _, rest = line.rstrip("\n").partition(";")
            grouped.setdefault(code, []).append(rest)
    return {code: "\n".join(rows) for code, rows in grouped.items()}


@functools.cache
def _departments() -> frozenset[str]:
    return frozenset(department(code) for code in _table())


def communes_for(postal_code: str) -> list[Commune]:
    """The communes a postal code serves, as the table lists them (none for an unknown code)."""
    rows = _table().get(normal_code(postal_code), "")
    return [Commune(*row.split(";")) for row in rows.split("\n")] if rows else []


def commune_names(postal_code: str) -> list[str]:
    """The names of the communes of a postal code, each once, in alphabetical order."""
    names = {commune.name for commune in communes_for(postal_code)}
    return sorted(names, key=fold)


def exists(postal_code: str) -> bool:
    return normal_code(postal_code) in _table()


def _names(commune: Commune) -> tuple[str, str, str]:
    """The folded names a commune goes by: its name; for an arrondissement, the city's name
    alone; its libellé d'acheminement ("" for none but the name)."""
    name = fold(commune.name)
    city = name.rsplit(" ", 1)[0] if "rrondissement" in commune.name else ""
    return name, city, fold(commune.libelle) if commune.libelle else ""


def _matching(communes: list[Commune], city: str) -> list[Commune]:
    """The communes `city` (folded) names, best first: by their name, then as a city in
    arrondissements ("PARIS" with 75015 is the 15th, not the commune of Issy-les-Moulineaux
    sharing the code and its libellé), then by their libellé d'acheminement."""
    for rank in range(3):
        found = [commune for commune in communes if _names(commune)[rank] == city]
        if found:
            return found
    return []


class Status(StrEnum):
    OK = "ok"  # the code exists and the town is one of its communes
    UNCHECKED = "unchecked"  # accepted without a check: 98…, or a CEDEX code not in the table
    UNKNOWN_CODE = "unknown_code"  # no such postal code
    OTHER_TOWN = "other_town"  # the code exists, the town is none of its communes


@dataclass(frozen=True)
class Check:
    status: Status
    insee_code: str = ""  # the commune's, when one commune is meant
    communes: tuple[str, ...] = ()  # the names of the code's communes

    @property
    def accepted(self) -> bool:
        return self.status in (Status.OK, Status.UNCHECKED)


def check(postal_code: str, city: str) -> Check:
    """What a French address's postal code and town say together (see the module's docstring).
    An empty town is only checked for its postal code."""
    code = normal_code(postal_code)
    if code.startswith(UNCHECKED_PREFIXES):
        return Check(Status.UNCHECKED)
    folded, cedex = _without_cedex(fold(city))
    words = folded.split(" ", 1)
    if len(words) == 2 and words[0] == code:  # "28000 Chartres" typed in the town
        folded = words[1]
    communes = communes_for(code)
    if not communes:
        if cedex and CODE_RE.fullmatch(code) and department(code) in _departments():
            return Check(Status.UNCHECKED, _in_department(folded, department(code)))
        return Check(Status.UNKNOWN_CODE)
    names = tuple(commune_names(code))
    if not folded:
        return Check(Status.OK, communes=names)
    found = _matching(communes, folded)
    if not found:
        return Check(Status.OTHER_TOWN, communes=names)
    codes = {commune.insee_code for commune in found}
    return Check(Status.OK, codes.pop() if len(codes) == 1 else "", names)


def is_consistent(postal_code: str, city: str) -> bool:
    """Does the town go with the postal code? True as well for what cannot be checked (98…, a
    CEDEX code of an existing department)."""
    return check(postal_code, city).accepted


def insee_code(postal_code: str, city: str) -> str:
    """The INSEE code of the commune of a French address, or "" when the pair names none, or
    several it cannot tell apart."""
    return check(postal_code, city).insee_code


# --- towns without a postal code (birth) ---------------------------------------------------
@functools.cache
def _by_name() -> dict[str, str]:
    """Folded name → the INSEE codes of the communes so named, separated by spaces; the
    libellés d'acheminement (older communes' names) where no commune has that name. Built on
    first use (a town of birth, a CEDEX code), kept for the process."""
    names: dict[str, set[str]] = {}
    libelles: dict[str, set[str]] = {}
    for code in _table():
        for commune in communes_for(code):
            name, *others = _names(commune)
            names.setdefault(name, set()).add(commune.insee_code)
            for other in filter(None, others):
                libelles.setdefault(other, set()).add(commune.insee_code)
    for name, codes in libelles.items():
        names.setdefault(name, codes)
    index = {name: " ".join(sorted(codes)) for name, codes in names.items()}
    index.update(CITIES_IN_ARRONDISSEMENTS)
    return index


def _of_department(codes: list[str], part: str) -> list[str]:
    if part in ("20", "2A", "2B"):
        prefixes = ("2A", "2B") if part == "20" else (part,)
        return [c for c in codes if c.startswith(prefixes)]
    return [c for c in codes if c.startswith(part)]


def _in_department(folded: str, part: str) -> str:
    codes = _of_department(_by_name().get(folded, "").split(), part)
    return codes[0] if len(codes) == 1 else ""


def town_insee_code(town: str) -> str:
    """The INSEE code of the French commune `town` names, when only one has that name: "Chartres"
    (28085), "Paris" (75056), "Paris 15e" (75115); a department after the name tells namesakes
    apart: "Saint-Denis (93)" (93066), "Saint-Denis 974" (97411). "" otherwise (no such
    commune, one since merged under another name, or namesakes)."""
    folded = fold(town)
    codes = _by_name().get(folded, "").split()
    if not codes:
        hinted = _DEPARTMENT.match(folded)
        if hinted:
            part = hinted.group(2).zfill(2)  # "09" was folded as an ordinal, "9"
            codes = _of_department(_by_name().get(hinted.group(1), "").split(), part)
    return codes[0] if len(codes) == 1 else ""
