"""Ticket printers: python-escpos transports chosen by name, and a fake one that writes PNGs.

Every printer here is a python-escpos `Escpos`, so the kiosk sends the same commands to all of them.
Real transports are imported lazily (libusb, pyserial) and never connect in their constructor: a
printer that is off when the kiosk starts is reported on the first ticket, not as a crash at boot.
`printing()` opens the connection for one job and closes it after, so a printer switched on later,
or a network printer that dropped the connection, works again on the next ticket.

`check_ready()` asks the printer itself (DLE EOT: real-time status) for paper and cover/error state
before a ticket, where the transport can read. A printer that never answers is asked once only: its
silence would otherwise cost a read timeout on every ticket.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from escpos.constants import RT_MASK_ONLINE, RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError

from hardware.errors import PrinterUnavailable
from hardware.raster import decode_rasters
from xephang.config import PrinterSection

log = logging.getLogger(__name__)

NETWORK_TIMEOUT_S = 5.0
DOTS_PER_MM = 8  # 203 dpi, the resolution of common 58/80 mm thermal printers
# DLE EOT answers (fixed bits 0x12 always set): paper sensor (n=4) and printer status (n=1).
PAPER_OK, PAPER_NONE = 0x12, 0x72
ONLINE, OFFLINE = 0x12, 0x12 | RT_MASK_ONLINE


class PaperOut(PrinterUnavailable):
    """The printer answered that it has no paper."""

    reason = "paper_out"


class PrinterOffline(PrinterUnavailable):
    """The printer answered that it is offline (cover open, paper feed held, or an error)."""

    reason = "printer_offline"


def problem(exc: PrinterUnavailable) -> str:
    """The device status detail for a printer failure (DESIGN.md section 3 `detail`)."""
    return getattr(exc, "reason", "printer_unavailable")


def with_paper(printer: Escpos, width_dots: int) -> Escpos:
    """Tell the printer's profile the paper width, so `image()` checks it (and does not print a
    warning to stdout about an unknown width)."""
    media = {"dpi": 203, "width": {"mm": width_dots // DOTS_PER_MM, "pixels": width_dots}}
    # profile_data is a class attribute shared by every default profile; shadow it on this one.
    printer.profile.profile_data = {**printer.profile.profile_data, "media": media}
    return printer


class FakePrinter(Escpos):  # type: ignore[misc]  # escpos ships no type hints
    """Keeps the bytes of its last `kept_jobs` jobs (a demo running for days stays small in
    memory); on each cut, writes the ticket's raster as a PNG file."""

    def __init__(self, output_dir: Path | None = None, width_dots: int = 576,
                 kept_jobs: int = 100) -> None:
        super().__init__()
        with_paper(self, width_dots)
        self.output_dir = output_dir
        self.width_dots = width_dots
        self.paper_out = False
        self.offline = False
        self.unplugged = False
        self._query = b""
        self.jobs: list[bytes] = []  # the last `kept_jobs` jobs, oldest first
        self.printed: list[Path] = []  # the PNG files of those jobs
        self._kept = kept_jobs
        self._count = 0
        self._lock = threading.Lock()
        self._current: list[bytes] = []
        self._label: str | None = None

    def simulate(self, *, paper_out: bool = False, offline: bool = False,
                 unplugged: bool = False) -> None:
        """Printer trouble for tests and the demo; all False = a healthy printer again."""
        self.paper_out, self.offline, self.unplugged = paper_out, offline, unplugged

    def open(self, raise_not_found: bool = True) -> None:
        if self.unplugged:
            raise DeviceNotFoundError("fake printer unplugged")

    def _raw(self, msg: bytes) -> None:
        with self._lock:
            self._current.append(bytes(msg))
            self._query = bytes(msg)

    def _read(self) -> bytes:
        """Answer a real-time status query as a printer would."""
        if self._query == RT_STATUS_PAPER:
            return bytes([PAPER_NONE if self.paper_out else PAPER_OK])
        if self._query == RT_STATUS_ONLINE:
            return bytes([OFFLINE if self.offline else ONLINE])
        return b""

    @property
    def output(self) -> bytes:
        """Every byte sent so far, finished jobs and the one in progress."""
        with self._lock:
            return b"".join([*self.jobs, *self._current])

    def label_next(self, label: str) -> None:
        """Name the next ticket's PNG (e.g. its number), for people browsing the folder."""
        self._label = re.sub(r"[^A-Za-z0-9-]", "", label)[:32] or None

    def cut(self, mode: str = "FULL", feed: bool = True) -> None:
        super().cut(mode, feed)
        with self._lock:
            job, self._current = b"".join(self._current), []
            self.jobs.append(job)
            del self.jobs[:-self._kept]
            self._count += 1
            label, self._label = self._label, None
        self._save(job, self._count, label)

    def _save(self, job: bytes, seq: int, label: str | None) -> None:
        image = decode_rasters(job, self.width_dots)
        if image is None or self.output_dir is None:
            return
        self.output_dir.mkdir(parents=True, exist_ok=True)
        path = self.output_dir / (f"{seq:04d}-{label}.png" if label else f"{seq:04d}.png")
        image.save(path)
        self.printed.append(path)
        del self.printed[:-self._kept]
        log.info("fake printer: ticket written to %s", path)


def _fake(section: PrinterSection, output_dir: Path | None) -> Escpos:
    return FakePrinter(output_dir, section.width_dots)


def _usb(section: PrinterSection, output_dir: Path | None) -> Escpos:
    from escpos.printer import Usb

    _require(Usb, "USB", "pyusb")
    return with_paper(Usb(section.usb_vendor, section.usb_product, timeout=5000), section.width_dots)


def _serial(section: PrinterSection, output_dir: Path | None) -> Escpos:
    from escpos.printer import Serial

    _require(Serial, "serial", "pyserial")
    printer = Serial(section.serial_device, baudrate=section.baudrate)
    return with_paper(printer, section.width_dots)


def _network(section: PrinterSection, output_dir: Path | None) -> Escpos:
    from escpos.printer import Network

    printer = Network(section.host, section.port, timeout=NETWORK_TIMEOUT_S)
    return with_paper(printer, section.width_dots)


def _require(printer_class: Any, what: str, package: str) -> None:
    if not printer_class.is_usable():
        raise PrinterUnavailable(
            f"a {what} printer needs the Python package {package}: "
            f"`.venv/bin/pip install {package}` (or `pip install 'python-escpos[all]'`)"
        )


PRINTERS: dict[str, Callable[[PrinterSection, Path | None], Escpos]] = {
    "fake": _fake, "usb": _usb, "serial": _serial, "network": _network,
}


def make_printer(section: PrinterSection, output_dir: Path | None = None) -> Escpos:
    """The printer named by `section.kind`; nothing is opened yet."""
    try:
        factory = PRINTERS[section.kind]
    except KeyError:
        raise PrinterUnavailable(
            f"unknown printer kind {section.kind!r}; valid: {', '.join(PRINTERS)}"
        ) from None
    return factory(section, output_dir)


def describe(printer: Escpos) -> str:
    if isinstance(printer, FakePrinter):
        return f"fake printer ({printer.output_dir or 'bytes kept in memory'})"
    where = getattr(printer, "host", None) or getattr(printer, "devfile", None) or ""
    return f"{type(printer).__name__} printer {where}".strip()


@contextmanager
def printing(printer: Escpos) -> Iterator[Escpos]:
    """Open the printer for one job and close it after; any failure becomes PrinterUnavailable."""
    try:
        printer.open()
        yield printer
    except PrinterUnavailable:
        raise
    except (DeviceNotFoundError, OSError) as exc:  # libusb, pyserial and sockets fail as OSError
        raise PrinterUnavailable(f"{describe(printer)}: {exc or type(exc).__name__}") from exc
    finally:
        _close_quietly(printer)


def check_ready(printer: Escpos) -> None:
    """Raise PaperOut or PrinterOffline if an open printer says so; silence counts as ready."""
    if getattr(printer, "xephang_no_status", False):
        return
    try:
        paper = printer.paper_status()
        online = printer.query_status(RT_STATUS_ONLINE)
    except (NotImplementedError, OSError) as exc:  # a transport that cannot read, or a timeout
        log.info("%s does not answer status queries (%s); not asking again", describe(printer), exc)
        printer.xephang_no_status = True
        return
    if paper == 0:
        raise PaperOut(f"{describe(printer)}: out of paper")
    if online and online[0] & RT_MASK_ONLINE:
        raise PrinterOffline(f"{describe(printer)}: offline (cover open or printer error)")


def _close_quietly(printer: Escpos) -> None:
    try:
        printer.close()
    except OSError as exc:
        log.warning("closing %s failed: %s", describe(printer), exc)
