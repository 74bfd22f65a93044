"""Read the manager's figures as they see them: the statistics page's service table (every row
adding up), and the downloads as a spreadsheet user would: the ZIP's CSV files (Vietnamese
convention: `;`, decimal comma, BOM) and the workbook's sheets."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from broker.reports import stats
from broker.reports import tables as reports
from broker.store.db import Store
from xephang.config import SiteConfig


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


def service_rows(store: Store, config: SiteConfig, day: str) -> dict[str, dict[str, Any]]:
    """The statistics page's service table for a day, by service code; every row adds up."""
    table = reports.service_table(stats.for_days(store, config.site.zone, day, day), config)
    rows = {str(row[0]) or "*": dict(zip(table.header, row, strict=True)) for row in table.rows}
    entered = ["Số phát", "Được chuyển đến", "Quay lại sau bổ sung giấy tờ"]
    ends = [*reports.ENDING_NAMES.values(), *reports.UNCALLED_NAMES.values()]
    for row in rows.values():
        assert row["Tổng vào hàng"] == sum(row[h] for h in entered) == sum(row[h] for h in ends), row
    return rows
