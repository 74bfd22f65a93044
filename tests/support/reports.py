"""Read the manager's downloads as a spreadsheet user would: the ZIP's CSV files (Vietnamese
convention: `;`, decimal comma, BOM) and the workbook's sheets."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any


def zip_tables(body: bytes) -> dict[str, list[list[str]]]:
    """Every CSV file in the ZIP (by file name) as rows of cells, the header first."""
    found: dict[str, list[list[str]]] = {}
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            if name.endswith(".csv"):
                raw = archive.read(name)
                assert raw.startswith("\ufeff".encode()), f"{name} has no BOM"
                text = raw.decode("utf-8-sig")
                found[name] = list(csv.reader(io.StringIO(text), delimiter=";"))
    return found


def by_header(rows: list[list[str]]) -> list[dict[str, str]]:
    """A table's rows as {heading: cell}."""
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def number(cell: str) -> float:
    """A CSV cell the Vietnamese way (decimal comma) as a number; empty is 0."""
    return float(cell.replace(",", ".")) if cell else 0.0


def sheet_rows(body: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet of the workbook, its rows as values (the title row first)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets}
