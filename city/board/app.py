"""`create_board_app`: the city's board as a Flask app over the city database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, NotFound

from city.board.accounts import BoardAccounts
from city.board.auth import init_auth
from city.board.devices import devices_page
from city.board.overview import TodayCache
from city.board.periods import Periods
from city.board.queries import BoardDb
from city.board.settings import BoardSection
from city.board.views import board
from xephang.web import web_app

NOT_FOUND = "Không có trang này."
FAILED = "Có lỗi khi đọc số liệu; vui lòng thử lại sau ít phút."


def create_board_app(db: BoardDb, section: BoardSection,
                     clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                     today: TodayCache | None = None) -> Flask:
    """The board's pages; `today` is the overview kept by the background rounds (without it, each
    view sums the day itself)."""
    app = web_app(__name__)
    periods = Periods(db, section.zone, clock)
    app.extensions.update(city_db=db, city_periods=periods, city_today=today or TodayCache(periods))
    init_auth(app, BoardAccounts(db), section)
    app.register_blueprint(board)
    app.register_blueprint(devices_page)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(500, _failed)
    return app


def _not_found(error: HTTPException) -> tuple[str, int]:
    detail = error.description if error.description != NotFound.description else NOT_FOUND
    return render_template("refused.html", detail=detail, status=404), 404


def _failed(_: Exception) -> tuple[str, int]:
    return render_template("refused.html", detail=FAILED, status=500), 500
