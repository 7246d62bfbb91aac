"""The file formats of the exports (`exports/formats.py`): CSV for spreadsheets in French, XLSX."""

import datetime
import io
from decimal import Decimal

from django.utils import translation

from matricule.backoffice.exports.formats import csv_chunks, csv_text, write_xlsx


def test_csv_cells_neutralise_formulas_and_use_the_readers_decimal_separator():
    assert csv_text('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert csv_text("+33 6 12 34 56 78") == "'+33 6 12 34 56 78"
    assert csv_text(None) == ""
    assert csv_text(datetime.date(2026, 9, 1)) == "2026-09-01"
    with translation.override("fr"):
        assert csv_text(Decimal("178.5")) == "178,50"
        assert csv_text(True) == translation.gettext("Yes")
    with translation.override("en"):
        assert csv_text(Decimal("178.5")) == "178.50"


def test_csv_has_a_byte_order_mark_and_semicolons():
    content = b"".join(
        csv_chunks(["Nom", "Né le"], [["LEFÈVRE", datetime.date(2008, 3, 14)], ["A;B", None]], language="fr")
    ).decode("utf-8")
    assert content == '\ufeffNom;Né le\r\nLEFÈVRE;2008-03-14\r\n"A;B";\r\n'


def test_xlsx_header_bold_and_frozen_dates_as_dates_formulas_as_text():
    from openpyxl import load_workbook

    handle = io.BytesIO()
    rows = [["=1+1", datetime.date(2008, 3, 14), Decimal("175.00"), 3, None]]
    assert write_xlsx(handle, "Inscriptions", ["a", "b", "c", "d", "e"], rows, language="fr") == 1
    sheet = load_workbook(io.BytesIO(handle.getvalue())).active
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    values = [cell.value for cell in sheet[2]]
    assert values[0] == "=1+1" and sheet["A2"].data_type == "s"
    assert values[1] == datetime.datetime(2008, 3, 14) and sheet["B2"].is_date
    assert values[2:4] == [175, 3] and values[4] is None
