"""The manager's downloads: a ZIP of CSV files (one per table, with a note saying how to read
them) and an Excel workbook (one sheet per table, columns fitted, header frozen).

CSV follows the Vietnamese convention, as Excel set to Vietnamese reads it: `;` between fields,
a decimal comma, no thousands separator, UTF-8 with a BOM (Excel then shows the diacritics).
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Sequence

from broker.reports.tables import Cell, Table

SEPARATOR = ";"
NOTE_FILE = "GHI-CHU.txt"
MAX_WIDTH = 60  # characters: a longer cell wraps in its column instead of widening it
CONVENTION = (
    "Cách đọc các tệp CSV:",
    "- Mã hóa UTF-8 (có BOM), mở bằng Excel hoặc LibreOffice là hiển thị đúng tiếng Việt.",
    f"- Các cột ngăn cách bằng dấu chấm phẩy ({SEPARATOR}).",
    "- Số thập phân dùng dấu phẩy (ví dụ 12,50), không có dấu phân cách hàng nghìn "
    "(ví dụ 1234), theo quy ước của Việt Nam.",
    "- Thời gian chờ và phục vụ tính bằng phút, làm tròn 2 chữ số thập phân; ngày ghi "
    "ngày/tháng/năm; giờ ghi giờ:phút:giây.",
    "- Ô để trống: không có số liệu.",
)


def csv_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        return f"{cell:.2f}".replace(".", ",")
    return str(cell)


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow(table.header)
    writer.writerows([csv_cell(cell) for cell in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def slug(text: str) -> str:
    """An ASCII file name from a Vietnamese title: "Đánh giá theo hồ sơ" -> "danh-gia-theo-ho-so"."""
    plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    ascii_only = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_only).split())


def note(title: str, tables: Sequence[Table], lines: Sequence[str]) -> str:
    """The note in the ZIP: what it holds, the identities and notes of its tables, the convention."""
    parts = [title, "", "Các tệp:"]
    parts += [f"- {slug(t.title)}.csv: {t.title}" + (f" ({t.note})" if t.note else "")
              for t in tables]
    parts += ["", *lines, "", *CONVENTION]
    return "\r\n".join(parts) + "\r\n"


def to_zip(tables: Sequence[Table], title: str, lines: Sequence[str] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NOTE_FILE, ("\ufeff" + note(title, tables, lines)).encode("utf-8"))
        for table in tables:
            archive.writestr(f"{slug(table.title)}.csv", table_csv(table))
    return out.getvalue()


def to_xlsx(tables: Sequence[Table], title: str, lines: Sequence[str] = ()) -> bytes:
    """One sheet per table: the title, the header (bold, frozen with the title above it), the rows;
    every column as wide as its longest cell; a last sheet with the notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append([title])
        sheet.append(table.header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
        sheet.freeze_panes = "A3"
        _fit(sheet, table)
    notes = book.create_sheet("Ghi chú")
    for line in [title, *(f"{t.title}: {t.note}" for t in tables if t.note), *lines]:
        notes.append([line])
    notes.column_dimensions["A"].width = MAX_WIDTH * 2
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fit(sheet: object, table: Table) -> None:
    """Each column as wide as its header or longest value (as the CSV writes it), plus a margin."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(sheet, Worksheet)
    for index, heading in enumerate(table.header):
        longest = max((len(csv_cell(row[index])) for row in table.rows if index < len(row)),
                      default=0)
        width = min(MAX_WIDTH, max(len(heading), longest) + 2)
        sheet.column_dimensions[get_column_letter(index + 1)].width = width


def filename(what: str, first_day: str, last_day: str, ext: str) -> str:
    span = first_day if first_day == last_day else f"{first_day}_{last_day}"
    return f"{what}-{span}.{ext}"
