"""Ticket printers: the exact ESC/POS bytes, the PNG decoded from them, and the transports."""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

import pytest
from PIL import Image

from hardware.errors import PrinterUnavailable
from hardware.printer import PAPER_OK, FakePrinter, make_printer
from hardware.raster import decode_rasters
from kiosk.ticket import TicketParts, print_ticket_parts
from xephang.config import PrinterSection

ESC_INIT = b"\x1b@"
GS_V0 = b"\x1dv0"
FULL_CUT = b"\x1dV\x00"


def noise(width: int, height: int, seed: int = 1) -> Image.Image:
    rng = random.Random(seed)
    data = bytes(rng.getrandbits(8) for _ in range(width * height // 8))
    return Image.frombytes("1", (width, height), data)


def ticket(width: int, height: int, seed: int = 1) -> TicketParts:
    """A ticket as the kiosk prints it: a raster above and below a native QR code."""
    return TicketParts(noise(width, height, seed), f"https://xephang.test/ticket/{seed}", 4,
                       noise(width, 40, seed + 100))


def test_fake_printer_keeps_the_bytes_and_writes_what_they_print(tmp_path: Path) -> None:
    printer = FakePrinter(tmp_path)
    parts = ticket(576, 300)

    print_ticket_parts(printer, parts, label="1023")

    job = printer.jobs[0]
    assert job.startswith(ESC_INIT) and GS_V0 in job
    assert job.endswith(FULL_CUT)
    assert printer.printed == [tmp_path / "0001-1023.png"]
    printed = Image.open(printer.printed[0])
    assert printed.mode == "1"
    assert printed.size == parts.compose().size
    assert printed.tobytes() == parts.compose().tobytes()


def test_a_tall_ticket_sent_in_fragments_comes_back_whole(tmp_path: Path) -> None:
    printer = FakePrinter(tmp_path)
    parts = ticket(576, 2100, seed=2)  # python-escpos splits images taller than 960 dots

    print_ticket_parts(printer, parts)

    assert printer.jobs[0].count(GS_V0) == 3 + 1  # the tall top in three, the bottom in one
    assert Image.open(printer.printed[0]).tobytes() == parts.compose().tobytes()


def test_each_cut_is_its_own_ticket(tmp_path: Path) -> None:
    printer = FakePrinter(tmp_path, width_dots=384)
    first, second = ticket(384, 50, seed=3), ticket(384, 70, seed=4)

    print_ticket_parts(printer, first)
    print_ticket_parts(printer, second)

    assert [p.name for p in printer.printed] == ["0001.png", "0002.png"]
    assert Image.open(printer.printed[1]).tobytes() == second.compose().tobytes()
    assert printer.output == printer.jobs[0] + printer.jobs[1]


def test_a_long_running_fake_printer_keeps_only_its_last_jobs(tmp_path: Path) -> None:
    printer = FakePrinter(tmp_path, width_dots=384, kept_jobs=3)
    tickets = [ticket(384, 40, seed=n) for n in range(5)]
    for parts in tickets:
        print_ticket_parts(printer, parts)
    assert len(printer.jobs) == 3 and printer.output == b"".join(printer.jobs)
    assert [p.name for p in printer.printed] == ["0003.png", "0004.png", "0005.png"]
    assert len(list(tmp_path.glob("*.png"))) == 5  # every ticket's picture is still written
    assert Image.open(printer.printed[-1]).tobytes() == tickets[-1].compose().tobytes()


def test_a_printer_refuses_an_image_wider_than_its_paper(tmp_path: Path) -> None:
    from escpos.exceptions import ImageWidthError

    printer = FakePrinter(tmp_path, width_dots=384)
    with pytest.raises(ImageWidthError, match="576 > 384"):
        print_ticket_parts(printer, ticket(576, 10))


def test_raster_decoder_rejects_a_truncated_image() -> None:
    with pytest.raises(ValueError, match="data bytes"):
        decode_rasters(ESC_INIT + GS_V0 + b"\x00\x48\x00\x10\x00" + b"\x00" * 10)


class Listener:
    """A TCP 'printer' that keeps what each connection sent and answers its status queries
    (DLE EOT n) as a ready printer does."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        connection, _ = self.server.accept()
        chunks: list[bytes] = []
        with connection:
            while chunk := connection.recv(65536):
                if GS_V0 not in b"".join(chunks):  # the queries come before the ticket
                    asked = chunk.split(GS_V0)[0].count(b"\x10\x04")
                    connection.sendall(bytes([PAPER_OK]) * asked)  # 0x12 also answers "online"
                chunks.append(chunk)
        self.received.append(b"".join(chunks))
        self.done.set()


def test_network_printer_gets_the_same_bytes_over_tcp() -> None:
    listener = Listener()
    printer = make_printer(PrinterSection(kind="network", host="127.0.0.1", port=listener.port))
    reference = FakePrinter()
    parts = ticket(576, 120, seed=5)

    print_ticket_parts(printer, parts)
    print_ticket_parts(reference, parts)

    assert listener.done.wait(5)
    assert listener.received[0] == reference.jobs[0]
    listener.server.close()


def test_an_offline_network_printer_does_not_stop_the_kiosk_starting() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed_port = probe.getsockname()[1]
    printer = make_printer(PrinterSection(kind="network", host="127.0.0.1", port=closed_port))

    with pytest.raises(PrinterUnavailable, match=r"127\.0\.0\.1") as caught:
        print_ticket_parts(printer, ticket(576, 8))
    assert isinstance(caught.value, OSError)


def test_fake_is_the_default_and_usb_without_pyusb_says_what_to_install(tmp_path: Path) -> None:
    assert isinstance(make_printer(PrinterSection(), tmp_path), FakePrinter)
    from escpos.printer import Usb

    if Usb.is_usable():
        pytest.skip("pyusb is installed here")
    with pytest.raises(PrinterUnavailable, match="pyusb"):
        make_printer(PrinterSection(kind="usb", usb_vendor=0x0416, usb_product=0x5011))


def test_the_escpos_capability_cache_lasts_between_starts(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import subprocess
    import sys

    from hardware.escpos_cache import ENV, keep_capabilities

    monkeypatch.delenv(ENV, raising=False)
    folder = keep_capabilities(tmp_path)
    assert folder == tmp_path / "escpos" and os.environ[ENV] == str(folder)
    for _ in range(2):  # a kiosk started twice: the second start finds the first one's pickle
        subprocess.run([sys.executable, "-c", "import escpos.capabilities"], check=True,
                       env={**os.environ}, timeout=60)
        assert len(list(folder.glob("*.capabilities.pickle"))) == 1
