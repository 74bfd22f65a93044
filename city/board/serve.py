"""The board in a running process (the aggregator's, or its own): its pages on `[board] listen`
and the background rounds (daily rollups, today's overview)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from city.board.app import create_board_app
from city.board.overview import TodayCache
from city.board.periods import Periods
from city.board.queries import BoardDb
from city.board.rollup import Rollup
from city.board.rounds import Rounds
from city.board.settings import BoardSection
from xephang.web import WebServer, parse_http

log = logging.getLogger(__name__)


class BoardServer:
    def __init__(self, web: WebServer, rounds: Rounds) -> None:
        self.web, self.rounds = web, rounds

    @property
    def url(self) -> str:
        return self.web.url

    def stop(self) -> None:
        self.web.stop()
        self.rounds.stop()


def start_board(dsn: str, section: BoardSection,
                clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> BoardServer:
    """Make the board's tables if missing, start its background rounds and serve its pages."""
    db = BoardDb(dsn)
    db.apply_tables()
    today = TodayCache(Periods(db, section.zone, clock))
    rollup = Rollup(db, section.zone, section.backfill_days, clock)
    rounds = Rounds({"the daily rollups": rollup.refresh, "the overview": today.refresh},
                    section.refresh_s).start()
    host, port = parse_http(section.listen)
    web = WebServer(create_board_app(db, section, clock, today), host, port, threads=16).start()
    log.info("city board at %s", web.url)
    return BoardServer(web, rounds)
