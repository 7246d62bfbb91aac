"""French postal codes and their communes (Etalab's file, matricule/data/postal_codes.csv.gz): a
code's communes, a town checked against its code as people write it, and the INSEE codes the SISE
export gives for an address and for a town of birth."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from matricule import postal_codes
from matricule.postal_codes import Status


def test_the_file_says_where_it_comes_from_and_covers_france_and_its_overseas_departments():
    with gzip.open(postal_codes.DATA, "rt", encoding="utf-8") as lines:
        head = [next(lines) for _ in range(3)]
    assert "codes-postaux" in head[0] and "Licence Ouverte" in head[0]
    assert head[2].startswith("postal_code;insee_code;name;libelle")
    table = postal_codes._table()
    assert len(table) > 6000
    departments = postal_codes._departments()
    assert {"01", "20", "28", "75", "95", "971", "972", "973", "974", "976"} <= departments


def test_communes_for_a_code():
    assert postal_codes.communes_for("28000") == [postal_codes.Commune("28085", "Chartres", "")]
    assert postal_codes.communes_for("28 000") == postal_codes.communes_for("28000")
    paris_15 = postal_codes.communes_for("75015")
    # A commune comes once per libellé d'acheminement: PARIS and PARIS 15 for the 15th.
    assert {(c.insee_code, c.name, c.libelle) for c in paris_15} == {
        ("75115", "Paris 15e Arrondissement", "PARIS"),
        ("75115", "Paris 15e Arrondissement", "PARIS 15"),
        ("92040", "Issy-les-Moulineaux", "PARIS"),
    }
    assert postal_codes.communes_for("97400")[0].insee_code == "97411"  # Saint-Denis, La Réunion
    assert postal_codes.communes_for("28999") == []
    assert postal_codes.commune_names("75015") == ["Issy-les-Moulineaux", "Paris 15e Arrondissement"]
    assert "Saint-Prest" in postal_codes.commune_names("28300")


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Saint-Étienne", "SAINT ETIENNE"),
        ("ST ETIENNE", "SAINT ETIENNE"),
        ("  ste   foy ", "SAINTE FOY"),
        ("Paris 15e Arrondissement", "PARIS 15"),
        ("PARIS 15", "PARIS 15"),
        ("Paris 15ème arr.", "PARIS 15"),
        ("Paris 01", "PARIS 1"),
        ("Lyon 1er", "LYON 1"),
        ("L’Haÿ-les-Roses", "L HAY LES ROSES"),
        ("Œuilly", "OEUILLY"),
        ("", ""),
    ],
)
def test_fold(name, folded):
    assert postal_codes.fold(name) == folded


@pytest.mark.parametrize(
    ("code", "city", "insee"),
    [
        ("28000", "Chartres", "28085"),
        ("28000", "CHARTRES", "28085"),
        ("28 000", "chartres", "28085"),
        ("28000", "Chartres Cedex", "28085"),
        ("28000", "CHARTRES CEDEX 1", "28085"),
        ("75015", "Paris 15e", "75115"),
        ("75015", "PARIS 15", "75115"),
        ("75015", "PARIS", "75115"),  # the libellé: the 15th, not Issy-les-Moulineaux
        ("75015", "Paris 15e Arrondissement", "75115"),
        ("75015", "Issy-les-Moulineaux", "92040"),
        ("75116", "Paris", "75116"),
        ("69003", "Lyon 3e", "69383"),
        ("13001", "Marseille", "13201"),
        ("45100", "Orléans", "45234"),
        ("45100", "ORLEANS", "45234"),
        ("45000", "orleans", "45234"),
        ("97400", "Saint-Denis", "97411"),
        ("97400", "St Denis", "97411"),
        ("97400", "SAINT DENIS", "97411"),
        ("28300", "St-Prest", "28358"),
        ("28300", "Bailleau-l'Évêque", "28022"),
        ("28300", "BAILLEAU L EVEQUE", "28022"),
        ("01000", "ST DENIS LES BOURG", "01344"),
        ("94240", "L’Haÿ-les-Roses", "94038"),
        ("28000", "28000 Chartres", "28085"),  # the code typed again in the town
        ("97133", "Saint-Barthélemy", "97701"),  # added by hand: not in Etalab's file
    ],
)
def test_a_town_that_goes_with_its_code(code, city, insee):
    assert postal_codes.is_consistent(code, city)
    assert postal_codes.check(code, city).status == Status.OK
    assert postal_codes.insee_code(code, city) == insee


@pytest.mark.parametrize(
    ("code", "city"),
    [("28000", "Dreux"), ("75015", "Paris 16e"), ("45100", "Chartres"), ("97400", "Saint-Pierre")],
)
def test_a_town_of_another_code(code, city):
    found = postal_codes.check(code, city)
    assert found.status == Status.OTHER_TOWN
    assert not postal_codes.is_consistent(code, city)
    assert postal_codes.insee_code(code, city) == ""
    assert found.communes == tuple(postal_codes.commune_names(code))


@pytest.mark.parametrize("code", ["28999", "00000", "96000", "99999"])
def test_a_code_that_does_not_exist(code):
    assert postal_codes.check(code, "Chartres").status == Status.UNKNOWN_CODE
    assert not postal_codes.is_consistent(code, "Chartres")


def test_cedex_codes_not_in_the_file_are_accepted_in_an_existing_department():
    # 28019 is no code of the file: a CEDEX code of Chartres is accepted, with the commune's code.
    assert not postal_codes.exists("28019")
    found = postal_codes.check("28019", "Chartres Cedex")
    assert (found.status, found.insee_code) == (Status.UNCHECKED, "28085")
    assert postal_codes.is_consistent("28019", "CHARTRES CEDEX 9")
    # Without CEDEX it is an unknown code; in no department it is refused all the same.
    assert postal_codes.check("28019", "Chartres").status == Status.UNKNOWN_CODE
    assert postal_codes.check("96019", "Nulle part Cedex").status == Status.UNKNOWN_CODE


def test_territories_out_of_the_file_are_not_checked():
    for code, city in (("98800", "Nouméa"), ("98714", "Papeete"), ("98600", "Mata-Utu")):
        found = postal_codes.check(code, city)
        assert (found.status, found.insee_code) == (Status.UNCHECKED, "")
        assert postal_codes.is_consistent(code, city)


def test_an_empty_town_only_checks_the_code():
    assert postal_codes.check("28000", "").status == Status.OK
    assert postal_codes.check("28999", "").status == Status.UNKNOWN_CODE


@pytest.mark.parametrize(
    ("town", "insee"),
    [
        ("Chartres", "28085"),
        ("CHARTRES", "28085"),
        ("Orléans", "45234"),
        ("Paris", "75056"),  # the commune, not one of its arrondissements
        ("Paris 15e", "75115"),
        ("Marseille", "13055"),
        ("Lyon 3e", "69383"),
        ("Saint-Denis", ""),  # Seine-Saint-Denis or La Réunion: namesakes
        ("Saint-Denis (93)", "93066"),
        ("St-Denis 974", "97411"),
        ("Ajaccio", "2A004"),
        ("Bastia (2B)", "2B033"),
        ("Bastia (20)", "2B033"),
        ("Atlantis", ""),
        ("", ""),
    ],
)
def test_town_insee_code(town, insee):
    assert postal_codes.town_insee_code(town) == insee


def test_the_refresh_script_writes_the_same_table_from_the_package(tmp_path):
    # The unpacked npm package the committed file was written from, when it is at hand.
    package = Path(os.environ.get("CODES_POSTAUX_PACKAGE", "/tmp/cp/package"))  # noqa: S108
    if not (package / "codes-postaux.json").exists():
        pytest.skip(f"no codes-postaux package unpacked in {package}")
    output = tmp_path / "postal_codes.csv.gz"
    script = Path(__file__).resolve().parent.parent / "scripts" / "refresh-postal-codes"
    subprocess.run(
        [sys.executable, str(script), "--package", str(package), "--output", str(output)], check=True
    )

    def rows(path):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            return [line for line in lines if not line.startswith("# generated")]

    assert rows(output) == rows(postal_codes.DATA)
