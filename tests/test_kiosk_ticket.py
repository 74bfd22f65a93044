"""The printed ticket: its Vietnamese text, its image, its QR code, and `xephang ticket`."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from hardware.printer import FakePrinter
from kiosk.errors import FontsMissing
from kiosk.ticket import print_ticket_parts, printed_lines, render_ticket, ticket_parts
from routing.wait_range import wait_text
from xephang.config import SiteConfig
from xephang.protocol import Ticket

ROOT = Path(__file__).resolve().parent.parent


def a_ticket(**changes: object) -> Ticket:
    fields: dict[str, object] = dict(
        id="t-42", number="1023", service="HT", ahead=4, eta_s=17 * 60,
        issued_at=datetime(2026, 11, 23, 1, 15, tzinfo=UTC),  # 08:15 in Hà Nội
    )
    return Ticket.model_validate({**fields, **changes})


def test_the_lines_printed_on_a_ticket(config: SiteConfig) -> None:
    assert printed_lines(config, a_ticket()) == [
        "Trung tâm Phục vụ hành",
        "chính công phường Ba Đình",
        "Số 10 Phố Đội Cấn, phường",
        "Ba Đình, Thành phố Hà Nội",
        "SỐ THỨ TỰ",
        "1023",
        "Tư pháp – Hộ tịch",
        "Giờ lấy số: 08:15 23/11/2026",
        "Số người chờ phía trước: 4",
        "Thời gian chờ dự kiến: khoảng 10–25 phút",
        "Quét mã để theo dõi lượt chờ trên điện thoại",
        "Vui lòng chờ gọi số trên màn hình. Xin cảm ơn!",
    ]


def test_a_priority_ticket_says_which_priority(config: SiteConfig) -> None:
    lines = printed_lines(config, a_ticket(priority="pregnant", ahead=0, eta_s=0))
    assert "Ưu tiên: Phụ nữ mang thai" in lines
    assert "Được phục vụ ngay" in lines
    assert "Số người chờ phía trước: 0" in lines


def test_text_is_normalised_to_precomposed_letters(config: SiteConfig) -> None:
    decomposed = unicodedata.normalize("NFD", "Trung tâm Hành chính công")
    site = config.site.model_copy(update={"name": decomposed, "address": ""})
    lines = printed_lines(config.model_copy(update={"site": site}), a_ticket())
    assert lines[0] == "Trung tâm Hành chính công"
    assert all(unicodedata.is_normalized("NFC", line) for line in lines)


@pytest.mark.parametrize(("eta_s", "ahead", "text"), [
    (0, 0, "Được phục vụ ngay"),
    (90, 1, "dưới 5 phút"),           # 0.6 × 1.5 min = 0.9 → 0; 1.3 × 1.5 + 2 = 3.95 → 5
    (17 * 60, 4, "khoảng 10–25 phút"),  # 10.2 → 10; 24.1 → 25
    (20 * 60, 5, "khoảng 10–30 phút"),  # 12 → 10; 28 → 30
    (70 * 60, 9, "khoảng 40–95 phút"),  # 42 → 40; 93 → 95
    (6 * 3600, 40, "hơn 3 giờ"),       # 216 → 215
])
def test_waits_are_honest_rounded_ranges(eta_s: int, ahead: int, text: str) -> None:
    assert wait_text(eta_s, ahead) == text


@pytest.mark.parametrize("width", [576, 384])
def test_the_ticket_is_a_one_bit_image_as_wide_as_the_paper(config: SiteConfig, width: int) -> None:
    image = render_ticket(config, a_ticket(), width)
    assert image.mode == "1"
    assert image.width == width
    assert 500 < image.height < 1400


def test_what_the_fake_printer_prints_is_the_rendered_ticket(config: SiteConfig,
                                                             tmp_path: Path) -> None:
    image = render_ticket(config, a_ticket(), 576)
    printer = FakePrinter(tmp_path)

    print_ticket_parts(printer, ticket_parts(config, a_ticket(), 576), label="1023")

    assert printer.output.startswith(b"\x1b@")
    assert b"\x1dv0" in printer.output
    assert printer.output.endswith(b"\x1dV\x00")
    printed = Image.open(tmp_path / "0001-1023.png")
    assert (printed.mode, printed.size) == ("1", image.size)
    assert printed.tobytes() == image.tobytes()


def test_the_qr_code_opens_the_ticket_page_at_the_public_url(config: SiteConfig) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    site = config.site.model_copy(update={"public_url": "http://trungtam.example:8000"})
    config = config.model_copy(update={"site": site})
    image = render_ticket(config, a_ticket(id="abc/42"), 576).convert("L")
    texts = [result.text for result in zxingcpp.read_barcodes(image)]
    assert texts == ["http://trungtam.example:8000/ticket/abc%2F42"]


def test_missing_fonts_name_the_package(config: SiteConfig, monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    monkeypatch.setenv("XEPHANG_FONT_DIR", str(tmp_path))
    with pytest.raises(FontsMissing, match="fonts-dejavu-core"):
        render_ticket(config, a_ticket(), 576)


def xephang(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xephang.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_xephang_ticket_writes_a_sample_png(tmp_path: Path) -> None:
    out = tmp_path / "mau" / "ht.png"
    result = xephang("ticket", "--service", "HT", "--out", str(out))
    assert result.returncode == 0, result.stderr
    image = Image.open(out)
    assert (image.mode, image.width) == ("1", 576)


def test_xephang_ticket_with_an_unknown_service_lists_the_valid_ones(tmp_path: Path) -> None:
    result = xephang("ticket", "--service", "XX", "--out", str(tmp_path / "x.png"))
    assert result.returncode != 0
    assert "XX" in result.stderr
    assert "HT, CT, DD, VX, KD, TKQ" in result.stderr
    assert not (tmp_path / "x.png").exists()
