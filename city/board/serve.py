"""The board in a running process (the aggregator's, or its own): its pages on `[board] listen`
and the thread that keeps the daily rollups."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from city.board.app import create_board_app
from city.board.queries import BoardDb
from city.board.rollup import Rollup, RollupThread
from city.board.settings import BoardSection
from xephang.web import WebServer, parse_http

log = logging.getLogger(__name__)


class BoardServer:
    def __init__(self, web: WebServer, rollups: RollupThread) -> None:
        self.web, self.rollups = web, rollups

    @property
    def url(self) -> str:
        return self.web.url

    def stop(self) -> None:
        self.web.stop()
        self.rollups.stop()


def start_board(dsn: str, section: BoardSection,
                clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> BoardServer:
    """Make the board's tables if missing, start its rollups and serve its pages."""
    db = BoardDb(dsn)
    db.apply_tables()
    rollups = RollupThread(Rollup(db, section.zone, section.backfill_days, clock),
                           section.rollup_every_s).start()
    host, port = parse_http(section.listen)
    web = WebServer(create_board_app(db, section, clock), host, port, threads=16).start()
    log.info("city board at %s", web.url)
    return BoardServer(web, rollups)
