"""Site configuration: one pydantic model per section, strict, validated on start.

A technician edits one file (`config/site.toml`); every mistake is reported with the file, the key
and what is wrong, so nothing fails silently on a Pi with no screen attached.
"""

from __future__ import annotations

import itertools
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from xephang.config_file import describe_validation_error, read_toml
from xephang.errors import ConfigError
from xephang.labels import counter_label
from xephang.protocol import Rating, ServiceCode, StaffAction

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
BcmPin = Annotated[int, Field(ge=2, le=27)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OpeningHours(Section):
    """A time zone and the daily hours in it (`opens` before `closes`): a center's, or the hours the
    city's board expects centers to be open."""

    timezone: str = "Asia/Ho_Chi_Minh"
    opens: time = time(7, 30)
    closes: time = time(17, 0)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"không có múi giờ {value!r} (ví dụ: \"Asia/Ho_Chi_Minh\")") from exc
        return value

    @model_validator(mode="after")
    def _opens_before_closes(self) -> OpeningHours:
        if self.opens >= self.closes:
            raise ValueError(f"giờ mở cửa opens ({self.opens:%H:%M}) phải trước giờ đóng cửa closes "
                             f"({self.closes:%H:%M})")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SiteSection(OpeningHours):
    id: Identifier
    name: str = Field(min_length=1, max_length=120)
    address: str = Field(default="", max_length=200)
    notices: list[str] = Field(default_factory=list, max_length=10)
    # Where a citizen's phone reaches the broker's pages (the ticket's QR code opens
    # `{public_url}/ticket/{id}`): the center's address on its LAN or Wi-Fi, not 127.0.0.1.
    public_url: str | None = None
    # Tickets are issued only between `opens` and `closes`; true lets a demo or a test take
    # numbers at any hour.
    issue_outside_hours: bool = False

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} không phải địa chỉ web dạng http://HOST[:PORT]")
        if parts.query or parts.fragment:
            raise ValueError(f"{value!r}: địa chỉ web không được có ?… hay #…")
        try:
            parts.port  # noqa: B018 (raises on a port out of range)
        except ValueError as exc:
            raise ValueError(f"{value!r}: cổng phải từ 1 đến 65535") from exc
        return value.rstrip("/")


class MqttSection(Section):
    """Where devices reach the center's Mosquitto. Off the server itself that is `mqtts://` (TLS,
    checked against the center's CA); plain `mqtt://` is for processes on the same machine only.
    Each device logs in as its device id with its own password (`xephang credentials`)."""

    url: str = "mqtt://127.0.0.1:1883"
    # The CA certificate devices check the server against; default: `ca.crt` beside the password.
    ca_file: str | None = None
    # More names (or IP addresses) for the server certificate, besides the url's host.
    server_names: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9.:\-]{1,253}$")]] = Field(
        default_factory=list, max_length=20)

    @field_validator("url")
    @classmethod
    def _mqtt_url(cls, value: str) -> str:
        parse_mqtt_url(value)
        return value


class PrioritySection(Section):
    elderly_age: int = Field(default=75, ge=50, le=100)


class Service(Section):
    code: ServiceCode
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=120)
    prefix: int = Field(ge=1, le=9)
    start: int = Field(default=1, ge=1, le=999)
    # The broker numbers start..last; numbers above `last` belong to the kiosks' offline blocks.
    last: int = Field(default=799, ge=1, le=999)
    target_wait_min: int = Field(default=20, ge=1, le=480)
    mean_service_min: float = Field(default=8.0, gt=0, le=240)
    daily_quota: int | None = Field(default=None, ge=1, le=999)  # tickets a day; none = no limit

    @model_validator(mode="after")
    def _start_before_last(self) -> Service:
        if self.start > self.last:
            raise ValueError(f"số đầu start ({self.start}) không được lớn hơn số cuối last ({self.last})")
        return self


class Counter(Section):
    id: int = Field(ge=1, le=99)
    name: str = ""
    services: list[ServiceCode] = Field(min_length=1)

    @property
    def label(self) -> str:
        return self.name or counter_label(self.id)


class PrinterSection(Section):
    kind: Literal["fake", "usb", "serial", "network"] = "fake"
    width_dots: Literal[576, 384] = 576  # 80 mm paper = 576 dots, 58 mm = 384
    usb_vendor: int | None = None
    usb_product: int | None = None
    serial_device: str | None = None
    baudrate: int = 19200
    host: str | None = None
    port: int = Field(default=9100, ge=1, le=65535)

    @model_validator(mode="after")
    def _kind_has_address(self) -> PrinterSection:
        needs = {"usb": ("usb_vendor", "usb_product"), "serial": ("serial_device",),
                 "network": ("host",)}.get(self.kind, ())
        missing = [key for key in needs if getattr(self, key) is None]
        if missing:
            raise ValueError(f"máy in kiểu {self.kind} cần có {', '.join(missing)}")
        return self


class OfflineBlock(Section):
    """Sequence numbers (per service, per day) a kiosk may print while the broker is away."""

    first: int = Field(ge=1, le=999)
    last: int = Field(ge=1, le=999)

    @model_validator(mode="after")
    def _ordered(self) -> OfflineBlock:
        if self.first > self.last:
            raise ValueError(f"số đầu first ({self.first}) không được lớn hơn số cuối last ({self.last})")
        return self


class Kiosk(Section):
    id: Identifier
    printer: PrinterSection = PrinterSection()
    buttons: dict[ServiceCode, BcmPin] = Field(default_factory=dict)
    reply_timeout_s: float = Field(default=3.0, gt=0, le=30)
    # The QR camera: an index (0), a device ("/dev/video0") or "fake:/folder/or/image"; none = off.
    camera: int | str | None = None
    offline: OfflineBlock | None = None

    @field_validator("camera")
    @classmethod
    def _camera_source(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and not 0 <= value <= 63:
            raise ValueError(f"số thứ tự camera {value} phải từ 0 đến 63")
        if isinstance(value, str) and not value.startswith(("/dev/", "fake:")):
            raise ValueError(f"camera {value!r} phải là một số thứ tự, /dev/videoN hoặc fake:ĐƯỜNG_DẪN")
        return value


class ScanSection(Section):
    """What scanned QR codes do: dossier receipts go to the results service; a booking gives
    appointment priority from `booking_early_min` before its slot to `booking_late_min` after."""

    results_service: ServiceCode | None = None
    booking_early_min: int = Field(default=30, ge=0, le=240)
    booking_late_min: int = Field(default=15, ge=0, le=240)
    # A scanned CCCD's priority waits this long for a press, then is forgotten (the next citizen
    # must not inherit it); the touch page's priority choice clears after the same time.
    choice_timeout_s: float = Field(default=15.0, gt=0, le=60)


class VoiceSection(Section):
    """How a hall display speaks a call (display/voice): an engine, a voice, how numbers are read."""

    engine: Literal["espeak", "clips", "off"] = "espeak"
    espeak_voice: str = Field(default="vi", pattern=r"^[a-z][a-z0-9-]{0,39}$")  # vi-vn-x-south…
    clips_dir: str | None = None  # a clip set built by `xephang voice build`, for engine "clips"
    numbers: Literal["digits", "words"] = "digits"  # 1023: "một không hai ba" or "một nghìn…"
    dialect: Literal["north", "south"] = "north"  # 105: "một trăm linh năm" / "một trăm lẻ năm"
    speed_wpm: int = Field(default=150, ge=80, le=260)  # espeak-ng's speed: one call ≈ 6 s with chime
    # Each sentence is read again this many times, but only when no other call waits.
    repeat: int = Field(default=1, ge=0, le=3)
    chime: bool = True

    @model_validator(mode="after")
    def _clips_have_a_folder(self) -> VoiceSection:
        if self.engine == "clips" and not self.clips_dir:
            raise ValueError("engine \"clips\" cần clips_dir: thư mục do `xephang voice build` tạo ra")
        return self


class Display(Section):
    id: Identifier
    kind: Literal["hall", "counter"]
    counter: int | None = Field(default=None, ge=1, le=99)
    buttons: dict[StaffAction, BcmPin] = Field(default_factory=dict)
    rating_buttons: dict[Rating, BcmPin] = Field(default_factory=dict)
    # An LED beside each button (staff or rating, by the same name) lights when a press is taken.
    leds: dict[StaffAction | Rating, BcmPin] = Field(default_factory=dict)
    # A USB numeric keypad typed into the counter page: KeyboardEvent.code ("Numpad1") -> action.
    keypad: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,20}$")], StaffAction | Rating] = Field(
        default_factory=dict
    )
    transfer_service: ServiceCode | None = None  # where "Chuyển" sends the citizen
    voice: VoiceSection = VoiceSection()
    # A hall display's zone: the counters whose calls it shows and speaks (two floors, two halls);
    # empty = every counter.
    announces: list[Annotated[int, Field(ge=1, le=99)]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _counter_display_names_counter(self) -> Display:
        if self.kind == "counter" and self.counter is None:
            raise ValueError("màn hình quầy cần `counter`: số của quầy nó thuộc về")
        if self.kind == "counter" and self.announces:
            raise ValueError("announces: chỉ màn hình sảnh mới đọc lời gọi số")
        pins = [*self.buttons.values(), *self.rating_buttons.values(), *self.leds.values()]
        _unique(f"màn hình {self.id}, chân GPIO", list(pins))
        unknown = set(self.leds) - set(self.buttons) - set(self.rating_buttons)
        if unknown:
            raise ValueError(f"leds cho nút chưa được khai báo: {', '.join(sorted(unknown))}")
        return self


class RoutingSection(Section):
    """How counters call: priority handling, auto-call and the wait estimate (routing/)."""

    # strict: a priority ticket is always called first; interleaved: one after every `priority_every`
    # normal calls, so a crowd of priority tickets cannot block everyone else.
    priority_mode: Literal["strict", "interleaved"] = "interleaved"
    priority_every: int = Field(default=3, ge=1, le=50)
    auto_call: bool = False  # an idle counter calls a ticket it can serve as soon as one waits
    eta_window: int = Field(default=30, ge=1, le=1000)  # recent service times learned per service
    eta_prior_weight: float = Field(default=5.0, ge=0, le=1000)  # config mean counts as this many
    eta_round_min: int = Field(default=5, ge=1, le=60)  # the printed range is rounded to this
    # A call replaced by another call this soon after it was made, its citizen never served (nobody
    # is served in half a minute), is withdrawn: the ticket goes back to its place in line instead
    # of counting as served (broker/queue/actions.py). 0: a replaced call always counts as served.
    withdraw_call_within_s: float = Field(default=30.0, ge=0, le=600)
    # Expected share of the day's tickets per service (the simulator's demand mix); empty = derived
    # from the counters each service has.
    demand: dict[ServiceCode, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)


HourKey = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3])$")]
HourlyWeights = dict[HourKey, Annotated[float, Field(ge=0, le=100)]]
# Relative arrivals per clock hour at a ward center: a morning peak, lunch, an afternoon peak 14-16h.
DEFAULT_ARRIVALS = {"07": 0.6, "08": 1.5, "09": 1.6, "10": 1.3, "11": 0.7, "12": 0.2, "13": 0.8,
                    "14": 1.4, "15": 1.3, "16": 0.5}


class BreakWindow(Section):
    """Each counter takes one break of `minutes` inside [start, end], staggered across counters."""

    start: time
    end: time
    minutes: int = Field(default=15, ge=1, le=120)

    @model_validator(mode="after")
    def _fits(self) -> BreakWindow:
        length = (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        if length < self.minutes:
            raise ValueError(f"giờ nghỉ {self.minutes} phút không vừa trong khoảng {self.start:%H:%M}–"
                             f"{self.end:%H:%M}")
        return self


class DaySection(Section):
    """How the center's day runs, for the simulator and the staffing plan (simulation/profile.py):
    lunch closure, staff breaks, when the last ticket is issued, arrivals per clock hour, citizens'
    patience and each service's spread of service times."""

    lunch_start: time | None = None  # counters and kiosks closed from lunch_start to lunch_end
    lunch_end: time | None = None
    last_ticket: time | None = None  # kiosks stop issuing at this time; none = at closing
    breaks: list[BreakWindow] = Field(default_factory=list, max_length=6)
    patience_min: float | None = Field(default=None, gt=0, le=600)  # mean wait before giving up
    # Relative arrivals per clock hour ("08" = 8:00-9:00), the same for every service unless
    # arrivals_by_service gives a service its own.
    arrivals: HourlyWeights = Field(default_factory=lambda: dict(DEFAULT_ARRIVALS))
    arrivals_by_service: dict[ServiceCode, HourlyWeights] = Field(default_factory=dict)
    # Lognormal shape (sigma) of a service's service times; default 0.5.
    service_spread: dict[ServiceCode, Annotated[float, Field(ge=0.05, le=2.0)]] = Field(
        default_factory=dict)
    # The arrival profile is learned from the center's own history (same weekday, last N weeks)
    # when those days hold at least history_min_tickets tickets together; else the one above.
    history_weeks: int = Field(default=6, ge=1, le=52)
    history_min_tickets: int = Field(default=500, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _lunch_is_a_span(self) -> DaySection:
        if (self.lunch_start is None) != (self.lunch_end is None):
            raise ValueError("lunch_start và lunch_end phải có cả hai, hoặc không có cả hai")
        if self.lunch_start is not None and self.lunch_end is not None \
                and self.lunch_start >= self.lunch_end:
            raise ValueError(f"lunch_start ({self.lunch_start:%H:%M}) phải trước lunch_end "
                             f"({self.lunch_end:%H:%M})")
        for name, weights in [("arrivals", self.arrivals), *(
                (f"arrivals_by_service.{code}", w) for code, w in self.arrivals_by_service.items())]:
            if not any(value > 0 for value in weights.values()):
                raise ValueError(f"{name}: cần ít nhất một giờ có trọng số lớn hơn 0")
        return self



class PlanSection(Section):
    """How followable the staffing plan (planning/) must be: the day is cut into blocks of at most
    `block_min` minutes (never across lunch); a counter changes what it does (its services, or opens
    or closes) at most `max_changes` times a day, at a block's start, and keeps each arrangement at
    least `min_stretch_min` minutes (never a change for one short block)."""

    block_min: int = Field(default=120, ge=30, le=240)
    max_changes: int = Field(default=2, ge=0, le=12)
    min_stretch_min: int = Field(default=90, ge=0, le=600)


class WebSection(Section):
    """Staff and manager pages. The signing secret is never here: it comes from XEPHANG_WEB_SECRET,
    the systemd credential `web-secret`, or is generated once and kept in the broker's database."""

    session_idle_min: int = Field(default=120, ge=5, le=24 * 60)   # signed out after this idle time
    session_max_hours: int = Field(default=12, ge=1, le=72)        # and after this long in any case
    # Failed sign-ins per (address, username) before each next try waits longer (broker/web/throttle.py)
    login_attempts: int = Field(default=5, ge=1, le=100)
    login_window_min: int = Field(default=10, ge=1, le=24 * 60)  # the longest wait; quiet resets
    secure_cookies: bool = False  # true once the pages are served over https


class RetentionSection(Section):
    """How long tickets and their events are kept before a nightly job reduces them to anonymous
    daily figures (DESIGN §5; the personal-data law in force from 1/1/2026 asks the same)."""

    days: int = Field(default=90, ge=1, le=3660)


class UplinkSection(Section):
    """The city uplink (DESIGN §2): stored events published on `uplink/event` above the mark the
    city acknowledges on `uplink/ack`; off until a city is set up."""

    enabled: bool = False
    window: int = Field(default=500, ge=1, le=10_000)  # events in flight above the acknowledged mark
    rewind_s: float = Field(default=30.0, ge=0.1, le=3600)  # a mark still this long: send again
    # The city's MQTT nodes (mqtts://HOST:PORT): `xephang credentials` then writes the bridge of
    # the center's Mosquitto to them (xephang/credentials/bridge.py).
    city_urls: list[str] = Field(default_factory=list, max_length=9)

    @field_validator("city_urls")
    @classmethod
    def _city_over_tls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            parse_mqtt_url(url)
            if not mqtt_uses_tls(url):
                raise ValueError(f"{url!r}: chỉ kết nối lên thành phố qua TLS (mqtts://HOST:PORT)")
        return urls


class DevicesSection(Section):
    """When a device's trouble becomes an incident (`device_problem` / `device_ok` events): offline
    longer than `offline_after_s` (a reboot is no incident), any other problem at once; it ends once
    the device has been fine for `ok_after_s` (a flapping device makes one incident).

    `clock_trusted`: this machine's clock is taken as synchronised, so no `clock_unsynced` is
    reported (a clock the broker finds behind or ahead of what it recorded still is). Only for a
    demo on a laptop without NTP, whose roles all share its one clock; a center's devices leave it
    off."""

    offline_after_s: float = Field(default=120.0, ge=0, le=86_400)
    ok_after_s: float = Field(default=60.0, ge=0, le=86_400)
    clock_trusted: bool = False


class SiteConfig(Section):
    site: SiteSection
    mqtt: MqttSection = MqttSection()
    priority: PrioritySection = PrioritySection()
    services: list[Service] = Field(min_length=1)
    counters: list[Counter] = Field(min_length=1)
    kiosks: list[Kiosk] = Field(default_factory=list)
    displays: list[Display] = Field(default_factory=list)
    scan: ScanSection = ScanSection()
    routing: RoutingSection = RoutingSection()
    web: WebSection = WebSection()
    retention: RetentionSection = RetentionSection()
    uplink: UplinkSection = UplinkSection()
    day: DaySection = DaySection()
    plan: PlanSection = PlanSection()
    devices: DevicesSection = DevicesSection()

    @model_validator(mode="after")
    def _references_resolve(self) -> SiteConfig:
        _unique("services.code", [s.code for s in self.services])
        _unique("services.prefix", [s.prefix for s in self.services])
        _unique("counters.id", [c.id for c in self.counters])
        _unique("kiosks.id", [k.id for k in self.kiosks])
        _unique("displays.id", [d.id for d in self.displays])
        codes = {s.code for s in self.services}
        for counter in self.counters:
            _known_services(f"quầy {counter.id}, services", counter.services, codes)
        for kiosk in self.kiosks:
            _known_services(f"ki-ốt {kiosk.id}, buttons", list(kiosk.buttons), codes)
        if self.scan.results_service is not None:
            _known_services("scan.results_service", [self.scan.results_service], codes)
        _offline_blocks_apart(self.kiosks, self.services)
        _known_services("routing.demand", list(self.routing.demand), codes)
        _day_fits_the_hours(self.day, self.site)
        _known_services("day.arrivals_by_service", list(self.day.arrivals_by_service), codes)
        _known_services("day.service_spread", list(self.day.service_spread), codes)
        counter_ids = {c.id for c in self.counters}
        for display in self.displays:
            if display.counter is not None and display.counter not in counter_ids:
                raise ValueError(f"màn hình {display.id}: không có quầy {display.counter}")
            unknown = sorted(set(display.announces) - counter_ids)
            if unknown:
                raise ValueError(f"màn hình {display.id}, announces: không có quầy "
                                 f"{', '.join(map(str, unknown))}")
            if display.transfer_service is not None:
                _known_services(f"màn hình {display.id}, transfer_service",
                                [display.transfer_service], codes)
        return self

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    def counter(self, counter_id: int) -> Counter | None:
        return next((c for c in self.counters if c.id == counter_id), None)

    def counter_label(self, counter_id: int) -> str:
        """A counter's name, also for one the site file does not (or no longer) list."""
        counter = self.counter(counter_id)
        return counter.label if counter is not None else counter_label(counter_id)

    def kiosk(self, kiosk_id: str) -> Kiosk | None:
        return next((k for k in self.kiosks if k.id == kiosk_id), None)

    def display(self, display_id: str) -> Display | None:
        return next((d for d in self.displays if d.id == display_id), None)


def _unique(what: str, keys: list[object]) -> None:
    seen: set[object] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{what}: {key!r} bị khai báo hai lần")
        seen.add(key)


def _offline_blocks_apart(kiosks: list[Kiosk], services: list[Service]) -> None:
    """Kiosks' offline blocks never overlap each other nor any number the broker issues."""
    blocks = sorted((k.offline.first, k.offline.last, k.id) for k in kiosks if k.offline)
    for (_, last, kiosk), (first, _, other) in itertools.pairwise(blocks):
        if first <= last:
            raise ValueError(f"ki-ốt {kiosk} và {other}: dải số ngoại tuyến (offline) trùng nhau")
    ceiling = max(s.last for s in services)
    for first, _, kiosk in blocks:
        if first <= ceiling:
            raise ValueError(f"ki-ốt {kiosk}: dải số ngoại tuyến bắt đầu từ {first}, nằm trong dải số của "
                             f"máy chủ (last của một dịch vụ là {ceiling})")


def _day_fits_the_hours(day: DaySection, site: SiteSection) -> None:
    """Lunch, breaks and the last ticket lie within opening hours; some hour has arrivals."""
    inside = [("day.lunch_start", day.lunch_start), ("day.lunch_end", day.lunch_end),
              ("day.last_ticket", day.last_ticket)]
    inside += [(f"day.breaks.{i}", moment) for i, b in enumerate(day.breaks) for moment in (b.start, b.end)]
    for key, moment in inside:
        if moment is not None and not site.opens <= moment <= site.closes:
            raise ValueError(f"{key} ({moment:%H:%M}) phải nằm trong giờ làm việc "
                             f"({site.opens:%H:%M}–{site.closes:%H:%M})")
    if day.last_ticket is not None and day.lunch_start is not None and day.lunch_end is not None \
            and day.lunch_start <= day.last_ticket < day.lunch_end:
        raise ValueError(f"day.last_ticket ({day.last_ticket:%H:%M}) rơi vào giờ nghỉ trưa")
    open_hours = {f"{h:02d}" for h in range(site.opens.hour, site.closes.hour + 1)}
    for name, weights in [("day.arrivals", day.arrivals), *(
            (f"day.arrivals_by_service.{c}", w) for c, w in day.arrivals_by_service.items())]:
        if not any(weights.get(hour, 0) > 0 for hour in open_hours):
            raise ValueError(f"{name}: không giờ làm việc nào có lượt đến "
                             f"({site.opens:%H:%M}–{site.closes:%H:%M})")


def _known_services(where: str, used: list[str], codes: set[str]) -> None:
    unknown = [code for code in used if code not in codes]
    if unknown:
        raise ValueError(f"{where}: không có dịch vụ {', '.join(unknown)}")


_MQTT_URL = re.compile(r"^mqtts?://(?P<host>[A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\]):(?P<port>\d{1,5})/?$")


def parse_mqtt_url(url: str) -> tuple[str, int]:
    """`mqtt://HOST:PORT` or `mqtts://HOST:PORT` (TLS) -> (host, port); else a clear error."""
    match = _MQTT_URL.match(url)
    if not match or not 1 <= int(match["port"]) <= 65535:
        raise ValueError(f"{url!r} không phải địa chỉ MQTT dạng mqtts://HOST:PORT "
                         f"(hoặc mqtt://127.0.0.1:PORT trên chính máy chủ)")
    return match["host"].strip("[]"), int(match["port"])


def mqtt_uses_tls(url: str) -> bool:
    return url.startswith("mqtts://")


def load_config(path: Path | str) -> SiteConfig:
    """Read and validate a site file; raise ConfigError naming the file, the key and the problem."""
    path = Path(path)
    raw = read_toml(path)
    try:
        return SiteConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: " + describe_validation_error(exc)) from exc
