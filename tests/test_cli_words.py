"""The `xephang` command refuses a mistyped command line in Vietnamese, naming the option, and
never with a traceback: the manager runs `xephang plan`, the technician the rest."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from xephang.cli import main
from xephang.config import load_config

SITE_TOML = Path(__file__).resolve().parents[1] / "config" / "site.toml"


def refusal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What the command prints on stderr when it refuses `argv` (exit code 2)."""
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    assert code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(("argv", "said"), [
    (["plan", "--db", "x.db", "--date", "2026-12-01", "--tickets", "nghìn"],
     "xephang plan: lỗi: --tickets: 'nghìn' không phải số nguyên"),
    (["plan", "--db", "x.db"], "xephang plan: lỗi: thiếu tham số bắt buộc: --date"),
    (["simulate", "--day", "hôm-nay"],
     "xephang simulate: lỗi: --day: không có lựa chọn 'hôm-nay' (chọn một trong: 'real', 'old')"),
    (["xep-hang"], "xephang: lỗi: lệnh: không có lựa chọn 'xep-hang'"),
    (["simulate", "--ngay", "3"], "xephang: lỗi: không hiểu tham số: --ngay 3"),
    (["plan", "--db", "x.db", "--date", "30/11/2026"],
     "--date: '30/11/2026' không phải ngày dạng năm-tháng-ngày (YYYY-MM-DD)"),
])
def test_a_mistyped_command_line_is_told_in_vietnamese(
        argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = refusal(argv, capsys)
    assert said in err
    assert "error:" not in err and "invalid" not in err


def test_simulate_refuses_a_file_that_is_not_the_brokers_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", "--config", str(SITE_TOML), "--tickets", "50", "--days", "2", "--db"]
    err = refusal([*args, str(SITE_TOML)], capsys)
    assert err.strip() == (f"xephang: simulate: --db {SITE_TOML}: tệp này không phải cơ sở dữ liệu "
                           "của trạm xếp hàng")
    missing = tmp_path / "chua-co" / "x.db"
    assert f"không có thư mục {missing.parent}" in refusal([*args, str(missing)], capsys)
    assert not missing.parent.exists()  # a mistyped path makes no folders
    assert "--days N và --db TỆP phải đi cùng nhau" in refusal([*args[:-1], "--seed", "1"], capsys)
    assert "--tickets phải là số lượt từ 1 đến 100000" in refusal(
        ["simulate", "--config", str(SITE_TOML), "--tickets", "10000000"], capsys)


def test_a_plan_for_a_sunday_says_the_center_does_not_work_that_day(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from broker.store.db import Store

    Store(tmp_path / "xephang.db").close()
    today = datetime.now(load_config(SITE_TOML).site.zone).date()  # the center's, not this machine's
    sunday = today + timedelta(days=6 - today.weekday())
    monday = sunday + timedelta(days=1)
    plan = ["plan", "--config", str(SITE_TOML), "--db", str(tmp_path / "xephang.db"),
            "--tickets", "300", "--budget", "1", "--date"]
    assert main([*plan, sunday.isoformat()]) == 0
    told = capsys.readouterr().out
    assert (f"Ngày {sunday:%d/%m/%Y} là Chủ nhật, trung tâm không làm việc; kế hoạch dưới đây tính "
            "như thể trung tâm vẫn mở cửa.") in told.splitlines()
    assert main([*plan, monday.isoformat()]) == 0
    assert "không làm việc" not in capsys.readouterr().out
