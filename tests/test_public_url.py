"""`public_url` in site.toml: validated, and what the ticket's QR code opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.site_file import EXAMPLE_SITE
from kiosk.ticket_text import status_url
from tests.support.paths import SITE_TOML
from xephang.config import load_config
from xephang.demo import demo_site_file
from xephang.errors import ConfigError


def site_with(tmp_path: Path, line: str) -> Path:
    text = SITE_TOML.read_text(encoding="utf-8")
    text = "\n".join(x for x in text.splitlines() if not x.startswith("public_url"))
    path = tmp_path / "site.toml"
    path.write_text(text.replace("[site]\n", f"[site]\n{line}\n", 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("bad", ["ftp://trungtam.local", "trungtam.local:8000",
                                 "http://trungtam.local:99999", "http://x.vn/?a=1"])
def test_a_bad_public_url_names_the_file_and_key(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigError, match=r"site\.public_url") as raised:
        load_config(site_with(tmp_path, f'public_url = "{bad}"'))
    assert "site.toml" in str(raised.value)


def test_the_qr_opens_the_ticket_page_under_the_public_url(tmp_path: Path) -> None:
    config = load_config(site_with(tmp_path, 'public_url = "https://xephang.badinh.vn/"'))
    assert status_url(config, "t 1") == "https://xephang.badinh.vn/ticket/t%201"
    assert load_config(SITE_TOML).site.public_url == "http://192.168.1.10:8000"


def test_the_demo_points_the_qr_at_its_own_broker(tmp_path: Path) -> None:
    path = demo_site_file(SITE_TOML, tmp_path / "demo.toml", "http://127.0.0.1:18000")
    config = load_config(path)
    assert config.site.public_url == "http://127.0.0.1:18000"
    assert status_url(config, "abc").startswith("http://127.0.0.1:18000/ticket/")


def test_the_demo_issues_tickets_at_any_hour_a_center_only_when_open(tmp_path: Path) -> None:
    assert not load_config(EXAMPLE_SITE).site.issue_outside_hours  # the shipped example
    path = demo_site_file(EXAMPLE_SITE, tmp_path / "demo.toml", "http://127.0.0.1:18000")
    assert load_config(path).site.issue_outside_hours
