"""The printed ticket: text as raster, the QR code as the printer's own command, status checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PIL import Image

from hardware.printer import FakePrinter, PaperOut, PrinterOffline
from hardware.raster import decode_rasters
from kiosk.qr_decode import QrDecoder
from kiosk.ticket import print_ticket_parts, printed_lines, render_ticket, ticket_parts
from kiosk.ticket_text import OFFLINE_MARK, status_url
from xephang.config import SiteConfig
from xephang.protocol import Ticket

TICKET = Ticket(id="4f2a9c", number="1023", service="HT", ahead=4, eta_s=1000,
                issued_at=datetime(2026, 11, 23, 1, 15, tzinfo=UTC))


def qr_command_bytes(job: bytes) -> bytes:
    start = job.index(b"\x1d(k")
    end = job.rindex(b"\x1d(k") + 8  # the print command: GS ( k 3 0 49 81 48
    return job[start:end]


@pytest.mark.parametrize("width", [576, 384])
def test_the_fake_printers_png_is_the_rendered_ticket_with_the_native_qr(
        config: SiteConfig, width: int) -> None:
    printer = FakePrinter(width_dots=width)
    print_ticket_parts(printer, ticket_parts(config, TICKET, width), label="1023")
    job = printer.jobs[0]
    printed = decode_rasters(job, width)
    assert printed is not None
    assert printed.tobytes() == render_ticket(config, TICKET, width).tobytes()
    native = qr_command_bytes(job)
    assert len(native) < 120  # vs ~2.5 KB as a raster image
    assert status_url(config, TICKET.id).encode() in native
    texts = QrDecoder().decode(_bgr(printed)).texts
    assert texts == [status_url(config, TICKET.id)]


def _bgr(image: Image.Image) -> object:
    import numpy as np

    return np.array(image.convert("RGB"))[:, :, ::-1].copy()


def test_an_offline_ticket_says_so_in_vietnamese(config: SiteConfig) -> None:
    lines = printed_lines(config, TICKET, offline=True)
    assert OFFLINE_MARK == "Số cấp khi mất kết nối"
    assert OFFLINE_MARK in lines and lines.index(OFFLINE_MARK) > lines.index("1023")
    assert OFFLINE_MARK not in printed_lines(config, TICKET)


@pytest.mark.parametrize(("trouble", "error"), [
    ({"paper_out": True}, PaperOut), ({"offline": True}, PrinterOffline)])
def test_printer_trouble_is_found_before_the_ticket_is_sent(
        config: SiteConfig, trouble: dict[str, bool], error: type[Exception]) -> None:
    printer = FakePrinter()
    printer.simulate(**trouble)
    with pytest.raises(error):
        print_ticket_parts(printer, ticket_parts(config, TICKET))
    assert b"\x1dv0" not in printer.output  # nothing wasted on a printer that cannot print
    printer.simulate()
    print_ticket_parts(printer, ticket_parts(config, TICKET))
    assert printer.jobs and b"\x1dv0" in printer.jobs[-1]
