"""The audit page's "Chi tiết" column in Vietnamese: every key an event writes has its words, and
a real broker's audit page says a ticket's, a transfer's, an account's and a device's details the
manager's way, with no raw key or code."""

from __future__ import annotations

import ast
import html
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from broker.role import BrokerRole
from broker.web.event_words import KNOWN_KEYS, Words, describe
from harness.mqtt_probe import Probe
from harness.web_session import WebSession
from tests.support.broker import ask_ticket, command
from tests.support.paths import SITE_TOML
from tests.support.staff_pages import PASSWORD
from xephang.config import load_config
from xephang.protocol import Topics

ROOT = Path(__file__).resolve().parent.parent
# What writes an event: the store's `append_event`, a counter step's `event`, the history's `_event`.
WRITERS = {"append_event", "event", "_event"}
COLUMNS = {"ticket", "counter"}  # the event's own columns, not its data
CONFIG = load_config(SITE_TOML)
WORDS = Words(CONFIG, {"canbo5": "Lê Thị Năm (canbo5)"}, date(2026, 11, 30))


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _dict_keys(node: ast.AST) -> set[str]:
    return {key.value for d in ast.walk(node) if isinstance(d, ast.Dict)
            for key in d.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)}


def _keys_of(tree: ast.Module, writers: set[str]) -> tuple[set[str], set[str]]:
    """The data keys this module's event writes name, and the functions that pass their own
    `**keywords` on to a writer (writers too: their callers' keywords are event data)."""
    keys: set[str] = set()
    forwarders: set[str] = set()
    assigned = {target.id: node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        own = function.args.kwarg.arg if function.args.kwarg else None
        for call in [n for n in ast.walk(function) if isinstance(n, ast.Call)]:
            if _name(call) not in writers:
                continue
            for keyword in call.keywords:
                if keyword.arg is not None:
                    keys.add(keyword.arg)
                    keys |= _dict_keys(keyword.value)
                elif isinstance(keyword.value, ast.Name) and keyword.value.id == own:
                    forwarders.add(function.name)
                elif isinstance(keyword.value, ast.Name):
                    assert keyword.value.id in assigned, f"cannot see the keys of **{keyword.value.id}"
                    keys |= _dict_keys(assigned[keyword.value.id])
    return keys - COLUMNS, forwarders


def _event_keys() -> set[str]:
    files = [p for folder in ("broker", "simulation", "bench", "harness", "city", "xephang")
             for p in (ROOT / folder).rglob("*.py")]
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in files]
    writers, keys = set(WRITERS), set()
    while True:
        found = [_keys_of(tree, writers) for tree in trees]
        keys = set().union(*(k for k, _ in found))
        more = set().union(*(f for _, f in found)) - writers
        if not more:
            return keys
        writers |= more


def test_every_key_an_event_writes_has_its_words_or_is_left_out_on_purpose() -> None:
    keys = _event_keys()
    assert {"service", "eta_s", "to_counter", "chosen", "since", "block", "service_s"} <= keys
    assert keys - KNOWN_KEYS == set()


def test_an_event_s_data_reads_as_vietnamese() -> None:
    issued = {"number": "6001", "service": "TKQ", "priority": "none", "source": "button",
              "kiosk": "kiosk-2", "ahead": 1, "eta_s": 0}
    assert describe(issued, WORDS) == ("Dịch vụ Trả kết quả; không ưu tiên; lấy số bằng nút bấm; "
                                       "tại ki-ốt kiosk-2; 1 người chờ trước; dự kiến được gọi ngay")
    called = {"number": "1002", "service": "HT", "priority": "elderly", "repeat": 0, "wait_s": 845,
              "chosen": True, "account": "canbo5"}
    assert describe(called, WORDS) == ("Dịch vụ Tư pháp – Hộ tịch; ưu tiên: người cao tuổi; "
                                       "đã chờ 14 phút; gọi số chọn riêng")
    assert describe({"block": "09:30–11:30", "counters": [1, 2]}, WORDS) == (
        "Khung giờ 09:30–11:30; quầy: Quầy 1, Quầy 2")
    assert describe({"services": ["HT"], "before": ["KD", "DD"]}, WORDS) == (
        "Dịch vụ: Tư pháp – Hộ tịch; trước đó: Kinh doanh, Đất đai – Xây dựng")
    yesterday = datetime(2026, 11, 29, 16, 5, tzinfo=CONFIG.site.zone)
    assert describe({"device": "kiosk-1", "problem": "clock_unsynced",
                     "since": yesterday.isoformat(),
                     "until": (yesterday + timedelta(hours=16)).isoformat()}, WORDS) == (
        "Thiết bị kiosk-1; đồng hồ chưa đồng bộ giờ; từ 16:05 ngày 29/11/2026; đến 08:05")
    assert describe({"account": None, "target": "POST /api/counter/3/command"}, WORDS) == (
        "Gửi yêu cầu /api/counter/3/command")
    assert describe({"target": "canbo5", "role": "staff", "staff_counter": 3, "counters": [3]},
                    WORDS) == "Tài khoản Lê Thị Năm (canbo5); vai trò: cán bộ một cửa; quầy: Quầy 3"
    assert describe({"was": "waiting", "service_s": 0, "rating": "satisfied", "reprint": True,
                     "request_id": "5d7c", "replaced_by": "ab12", "mystery": "x"}, WORDS) == (
        "Khi đang chờ; phục vụ trong 0 phút; đánh giá: hài lòng")


def _details(page: str) -> dict[str, list[str]]:
    """The audit table's "Chi tiết" cells by event type."""
    found: dict[str, list[str]] = {}
    for type_, detail in re.findall(r'<tr data-type="([a-z_]+)">.*?<td class="detail">(.*?)</td>',
                                    page, re.S):
        found.setdefault(type_, []).append(html.unescape(detail))
    return found


def test_the_audit_page_says_a_ticket_s_story_in_vietnamese(
        staff_broker: BrokerRole, staff_url: str, probe: Probe, topics: Topics) -> None:
    ask_ticket(probe, topics, "TKQ", kiosk="kiosk-2")
    assert command(probe, topics, 5, "call_next")["ok"]
    assert command(probe, topics, 5, "transfer", counter=4)["ok"]
    with staff_broker.store.transaction() as tx:
        tx.open_trouble("kiosk-2", "paper_out", tx.now)
    manager = WebSession(staff_url).login("quanly", PASSWORD)
    details = _details(manager.get_text("/admin/audit"))

    assert details["ticket_issued"][0].startswith(
        "Dịch vụ Trả kết quả; không ưu tiên; lấy số bằng nút bấm; tại ki-ốt kiosk-2; "
        "không ai chờ trước; dự kiến ")
    assert details["ticket_called"][0].startswith("Dịch vụ Trả kết quả; không ưu tiên; đã chờ ")
    assert details["ticket_transferred"] == ["Dịch vụ Trả kết quả; sang Quầy 4"]
    assert details["device_problem"][0].startswith("Thiết bị kiosk-2; máy in hết giấy; từ ")
    assert details["login"] == [""]
    every = " ".join(d for ds in details.values() for d in ds)
    for raw in ("service", "priority", "eta_s", "kiosk:", "to_counter", "none", "TKQ", "paper_out"):
        assert raw not in every
