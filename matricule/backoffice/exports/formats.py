"""The files an export is written as: CSV for any spreadsheet program, XLSX for Excel.

Both take a header (labels) and rows (lists of Python values: str, int, Decimal, bool, date,
datetime or None) and never hold more than a chunk of rows in memory."""

import csv
import datetime
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext, override

BOM = "\ufeff"  # without it, Excel reads UTF-8 as Windows-1252 and garbles the accents
# A cell starting with one of these is run as a formula by spreadsheet programs: text typed by
# students (names, establishments) must never be (CSV injection), so such text gets a quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 200
# Characters XLSX cannot hold (control characters other than tab and line breaks).
ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _Echo:
    """A file-like object that hands back what is written, so csv.writer can feed a stream."""

    def write(self, value):
        return value


def csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # The reader's decimal separator (a comma in French), as their spreadsheet expects.
        return formats.number_format(value, decimal_pos=2, use_l10n=True)
    if isinstance(value, int):
        return str(value)
    value = str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_chunks(header: list, rows: Iterable[list], *, language: str) -> Iterator[bytes]:
    """Semicolon-separated UTF-8 with a byte-order mark, in chunks of rows."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    with override(language):
        yield (BOM + writer.writerow([str(label) for label in header])).encode()
        batch = []
        for row in rows:
            batch.append(writer.writerow([csv_text(value) for value in row]))
            if len(batch) >= ROWS_PER_CHUNK:
                yield "".join(batch).encode()
                batch = []
        if batch:
            yield "".join(batch).encode()


def sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31] or "Export"


def write_xlsx(handle, title: str, header: list, rows: Iterable[list], *, language: str) -> int:
    """Write an XLSX workbook (write-only mode: rows go straight to disk); returns the rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    with override(language):
        french = language.startswith("fr")
        date_format = "DD/MM/YYYY" if french else "YYYY-MM-DD"
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=sheet_title(title))
        sheet.freeze_panes = "A2"
        labels = [str(label) for label in header]
        for index, label in enumerate(labels, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(max(len(label) + 2, 12), 45)
        bold = Font(bold=True)
        head = []
        for label in labels:
            cell = WriteOnlyCell(sheet, value=label)
            cell.font = bold
            head.append(cell)
        sheet.append(head)

        def cell_for(value):
            if value is None or isinstance(value, int | float) and not isinstance(value, bool):
                return value
            if isinstance(value, bool):
                return gettext("Yes") if value else gettext("No")
            if isinstance(value, datetime.datetime):
                cell = WriteOnlyCell(sheet, value=timezone.localtime(value).replace(tzinfo=None))
                cell.number_format = f"{date_format} hh:mm"
                return cell
            if isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = date_format
                return cell
            if isinstance(value, Decimal):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "0.00"
                return cell
            text = ILLEGAL_XLSX.sub("", str(value))
            if text.startswith("="):
                # openpyxl would store it as a formula: keep it as the text it is.
                cell = WriteOnlyCell(sheet, value=text)
                cell.data_type = "s"
                return cell
            return text

        count = 0
        for row in rows:
            sheet.append([cell_for(value) for value in row])
            count += 1
        workbook.save(handle)
    return count
