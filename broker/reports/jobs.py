"""The report jobs (broker/reports/pool.py): module-level functions of a reader and picklable
arguments, run in a report worker for a range of days (in the broker itself for a single day)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from broker.reports import exports, formats, stats, tables
from broker.reports.pool import Readable
from broker.store.figures import DossierRating
from xephang.config import SiteConfig


def statistics(store: Readable, zone: ZoneInfo, first_day: str,
               last_day: str) -> tuple[stats.Stats, list[DossierRating]]:
    """The statistics of first..last, and their rated dossiers."""
    result = stats.for_days(store, zone, first_day, last_day)
    with store.reading() as tx:
        return result, tx.rated_dossiers(first_day, last_day)


def notes(result: stats.Stats) -> list[str]:
    """What the reader must know: the rows' identities, and the days whose figures lack them."""
    lines = [*tables.IDENTITIES, tables.DAY_END_NOTE]
    if result.without_flows:
        days = ", ".join(formats.vn_date(d) for d in result.without_flows)
        lines.append(f"Số liệu các ngày {days} được ghi trước khi có số liệu chuyển đến, quay "
                     "lại và chưa được gọi: các dòng của những ngày này không cộng khớp.")
    return lines


def file_body(kind: str, all_tables: Sequence[tables.Table], title: str,
              lines: Sequence[str]) -> bytes:
    """A download's bytes: a ZIP of CSV files (`kind` "zip") or an Excel workbook ("xlsx")."""
    if kind == "zip":
        return exports.to_zip(all_tables, title, lines)
    return exports.to_xlsx(all_tables, title, lines)


def download(store: Readable, config: SiteConfig, names: Mapping[str, str], first_day: str,
             last_day: str, kind: str, title: str) -> bytes:
    """The statistics of first..last as a download's bytes (see file_body)."""
    result, dossiers = statistics(store, config.site.zone, first_day, last_day)
    return file_body(kind, tables.tables(result, config, names, dossiers), title, notes(result))
