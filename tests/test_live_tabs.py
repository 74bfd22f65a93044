"""Any number of live pages in one browser (real Chromium): over HTTP/1.1 a browser holds at most six
connections to one server, so the pages share one stream (broker/web/static/live-worker.js) instead
of holding one each; and the shared stream carries only what the session may see."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from broker.role import BrokerRole
from harness.mqtt_probe import Probe
from harness.web_session import WebSession
from tests.support.broker import ask_ticket, command
from tests.support.staff_pages import LAPTOP, PASSWORD, sign_in
from xephang.protocol import Topics

NO_SHARED_WORKER = "delete window.SharedWorker;"  # as Chrome on Android before 2026
# A shared worker that never answers (failed, or ended by the system as Android may).
SILENT_WORKER = "window.SharedWorker = function () { this.port = new MessageChannel().port1; };"
# Every text the staff page's message line shows, kept by the page for the test to read.
MESSAGES_SEEN = """
window.messagesSeen = [];
document.addEventListener("DOMContentLoaded", () => {
  const line = document.getElementById("message");
  if (line) new MutationObserver(() => messagesSeen.push(line.textContent))
    .observe(line, { childList: true, characterData: true, subtree: true });
});
"""
LOST = "Mất kết nối, đang kết nối lại…"


def _open(context: Any, url: str) -> Any:
    page = context.new_page()
    response = page.goto(url, timeout=15000)
    assert response is not None and response.status == 200, url
    return page


def _counter_shows(page: Any, number: str, waiting: str) -> None:
    expect(page.locator("#number")).to_have_text(number)
    expect(page.locator("#waiting-total")).to_have_text(waiting)


def test_nine_live_pages_in_one_browser_all_follow_a_call(
        browser: Any, staff_url: str, staff_broker: BrokerRole, probe: Probe, topics: Topics,
        screenshot_dir: Path) -> None:
    tickets = [ask_ticket(probe, topics, "HT")["ticket"] for _ in range(3)]  # 1001, 1002, 1003
    first = sign_in(browser, staff_url, "quanly")  # a manager operates every counter
    first.goto(f"{staff_url}/counter/1")
    context = first.context
    counters = {n: _open(context, f"{staff_url}/counter/{n}") for n in (2, 3, 4, 8)}
    board = _open(context, f"{staff_url}/admin/")
    phones = [_open(context, f"{staff_url}/ticket/{t['id']}") for t in tickets[1:]]
    again = _open(context, f"{staff_url}/counter/1")  # the 9th page loads, and stays live
    assert again.evaluate("Live.mode()") == "shared"

    first.keyboard.press("n")
    for page in (first, again):
        _counter_shows(page, "1001", "2")
    for page in counters.values():
        _counter_shows(page, "—", "2")
    expect(board.locator('#board-counters tr[data-counter="1"]')).to_contain_text("1001")
    expect(phones[0].locator("#ahead")).to_have_text("Công dân là người tiếp theo")
    expect(phones[1].locator("#ahead")).to_have_text("Còn 1 người trước công dân")
    board.screenshot(path=str(screenshot_dir / "live-tabs-board.png"))

    # The page that started the shared stream goes, and so does the only one of counter 3: the
    # others go on updating.
    first.close()
    counters.pop(3).close()
    counters[2].keyboard.press("n")
    _counter_shows(counters[2], "1002", "1")
    _counter_shows(again, "1001", "1")
    for n in (4, 8):
        _counter_shows(counters[n], "—", "1")
    expect(phones[0].locator("#called-to")).to_have_text("Mời công dân đến quầy số 2")
    expect(phones[1].locator("#ahead")).to_have_text("Công dân là người tiếp theo")
    expect(board.locator('#board-counters tr[data-counter="2"]')).to_contain_text("1002")

    command(probe, topics, 8, "call_next")  # a change from the counter unit, not from a page
    _counter_shows(counters[8], "1003", "0")
    expect(phones[1].locator("#called-to")).to_have_text("Mời công dân đến quầy số 8")
    context.close()


def _signed_in_context(browser: Any, url: str, username: str, init_script: str | None) -> Any:
    context = browser.new_context(viewport=LAPTOP, locale="vi-VN")
    context.add_init_script(MESSAGES_SEEN)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.goto(url + "/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    return page


@pytest.mark.parametrize(("init_script", "mode"), [(None, "shared"), (NO_SHARED_WORKER, "page"),
                                                   (SILENT_WORKER, "page")])
def test_a_page_alone_stays_live_with_or_without_a_shared_worker(
        browser: Any, staff_url: str, probe: Probe, topics: Topics,
        init_script: str | None, mode: str) -> None:
    mine = ask_ticket(probe, topics, "CT")["ticket"]  # 2001
    page = _signed_in_context(browser, staff_url, "canbo5", init_script)
    page.goto(f"{staff_url}/counter/5")
    page.wait_for_function(f"Live.mode() === {mode!r}", timeout=15000)
    command(probe, topics, 5, "call_next")  # pressed on the counter unit: only the stream tells
    expect(page.locator("#number")).to_have_text("2001")
    expect(page.locator("#status")).to_have_text("Đang gọi")

    phone = page.context.new_page()
    phone.goto(f"{staff_url}/ticket/{mine['id']}")
    phone.wait_for_function("document.getElementById('ticket').dataset.live === 'stream'",
                            timeout=15000)
    assert phone.evaluate("Live.mode()") == mode
    command(probe, topics, 5, "done")
    expect(phone.locator("#note")).to_contain_text("Xin cảm ơn công dân")
    phone.wait_for_function("document.getElementById('ticket').dataset.live === 'stopped'")
    assert phone.evaluate("Live.following()") == 0
    expect(page.locator("#number")).to_have_text("—")
    assert LOST not in page.evaluate("messagesSeen")  # no false alarm while the stream opened
    page.context.close()


# -- the streams over HTTP -------------------------------------------------------------------------
def test_the_staff_stream_carries_only_the_counters_the_account_operates(
        staff_url: str, probe: Probe, topics: Topics) -> None:
    ask_ticket(probe, topics, "HT"), ask_ticket(probe, topics, "CT")
    web = WebSession(staff_url).login("canbo5", PASSWORD)  # bound to counter 5 only
    stream = web.event_stream("/events?counter=3&counter=5&counter=x&counter=999")
    try:
        assert command(probe, topics, 3, "call_next")["ok"]
        assert command(probe, topics, 5, "call_next")["ok"]
        seen = [stream.next(timeout=15)[0] for _ in range(4)]
        while len(seen) < 8:
            try:
                seen.append(stream.next(timeout=1)[0])
            except AssertionError:
                break
    finally:
        stream.close()
    assert "counter-5" in seen and "hall" in seen
    assert set(seen) == {"counter-5", "hall"}  # never counter 3's state


def test_the_staff_stream_ends_with_its_session(
        staff_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("xephang.web.KEEPALIVE_S", 0.3)
    web = WebSession(staff_url).login("canbo5", PASSWORD)
    stream = web.event_stream("/events?counter=5")
    try:
        stream.wait_for("counter-5")
        web.opener.open(_logout(web), timeout=10).read()
        with pytest.raises(AssertionError, match="ended"):
            while True:
                stream.next(timeout=5)
    finally:
        stream.close()
    assert _stream_status(web, "/events?counter=5") == 401  # asked again: refused, not redirected


def _logout(web: WebSession) -> urllib.request.Request:
    return urllib.request.Request(web.base + "/logout", method="POST",
                                  data=urlencode({"csrf_token": web.csrf}).encode())


def _stream_status(web: WebSession, path: str) -> int:
    """The status a browser's EventSource gets for `path` with this session's cookie."""
    asked = urllib.request.Request(web.base + path, headers={"Accept": "text/event-stream"})
    try:
        with web.opener.open(asked, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _latest_until(stream: Any, done: Any, timeout: float = 15.0) -> dict[str, Any]:
    """Each event name's latest data, read until `done(latest)` holds (AssertionError past
    `timeout`): for events whose order between them is not part of what is tested."""
    latest: dict[str, Any] = {}
    deadline = time.monotonic() + timeout
    while not done(latest):
        name, data = stream.next(max(0.0, deadline - time.monotonic()))
        latest[name] = data
    return latest


def test_one_stream_follows_several_tickets(staff_url: str, probe: Probe, topics: Topics) -> None:
    first = ask_ticket(probe, topics, "KD")["ticket"]
    second = ask_ticket(probe, topics, "KD")["ticket"]
    web = WebSession(staff_url)  # a citizen's phone: no account
    stream = web.event_stream(f"/tickets/events?ticket={first['id']}&ticket={second['id']}")
    try:
        now = _latest_until(stream, lambda seen: {f"ticket-{first['id']}",
                                                  f"ticket-{second['id']}"} <= set(seen))
        assert now[f"ticket-{first['id']}"]["status"] == "waiting"
        assert now[f"ticket-{second['id']}"]["ahead"] == "Còn 1 người trước công dân"
        assert command(probe, topics, 10, "call_next")["ok"]
        # One call changes both tickets; their two events may come in either order.
        latest = _latest_until(stream, lambda seen: f"ticket-{first['id']}" in seen
                               and seen.get(f"ticket-{second['id']}", {}).get("ahead")
                               == "Công dân là người tiếp theo")
        assert latest[f"ticket-{first['id']}"]["called_to"] == "Mời công dân đến quầy số 10"
    finally:
        stream.close()
    too_many = "&".join(f"ticket={n:032x}" for n in range(17))
    for query in (too_many, "ticket=a%0Ab", ""):
        assert _stream_status(web, f"/tickets/events?{query}") == 400
