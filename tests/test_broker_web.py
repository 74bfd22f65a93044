"""The broker's pages over real HTTP: staff page, its command API and live updates, ticket status."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from broker.role import BrokerRole
from harness.mqtt_probe import Probe
from harness.web_session import WebSession, staff_session
from tests.support.broker import ask_ticket
from xephang.config import SiteConfig
from xephang.protocol import Topics


@pytest.fixture
def url(web_broker: BrokerRole) -> str:
    assert web_broker.http_url
    return web_broker.http_url


@pytest.fixture
def web(url: str, tmp_path: Path) -> WebSession:
    """Signed in as counter staff: the staff pages and their API need a session and its CSRF token."""
    return staff_session(url, tmp_path / "queue.db", counters=tuple(range(1, 13)))


def get(address: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(address, timeout=5) as response:
            return int(response.status), response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def press(web: WebSession, counter: int, action: str, command_id: str | None = None,
          **args: Any) -> tuple[int, dict[str, Any]]:
    body = {"command_id": command_id or str(uuid.uuid4()), "action": action, "args": args}
    status, reply = web.post_json(f"/api/counter/{counter}/command", body)
    return status, reply


def test_the_index_links_every_counter(web: WebSession, config: SiteConfig) -> None:
    page = web.get_text("/")
    for counter in config.counters:
        assert f'href="/counter/{counter.id}"' in page


def test_the_staff_page_has_the_buttons_and_the_counter(web: WebSession) -> None:
    page = web.get_text("/counter/5")
    for label in ("Quầy 5", "Gọi số tiếp", "Gọi lại", "Vắng mặt", "Xong", "Chứng thực", "Trả kết quả"):
        assert label in page
    with pytest.raises(urllib.error.HTTPError) as missing:
        web.get_text("/counter/99")
    assert missing.value.code == 404


def test_a_press_on_the_staff_page_calls_a_ticket(web: WebSession, url: str, probe: Probe,
                                                  topics: Topics) -> None:
    ticket = ask_ticket(probe, topics, "TKQ")["ticket"]
    probe.subscribe(topics.hall_announce)
    status, reply = press(web, 5, "call_next")
    assert (status, reply["ok"], reply["ticket"]["number"]) == (200, True, "6001")
    assert probe.next(topics.hall_announce)[1]["text"] == "Mời công dân có số thứ tự 6001 đến quầy số 5"
    state = json.loads(get(url + "/api/state")[1])
    assert state["hall"]["recent_calls"][0] == {"number": "6001", "counter": 5,
                                                "at": state["hall"]["recent_calls"][0]["at"]}
    counter5 = next(c for c in state["counters"] if c["counter"] == 5)
    assert counter5["ticket"]["id"] == ticket["id"]


def test_a_double_press_with_one_command_id_calls_once(web: WebSession, url: str, probe: Probe,
                                                       topics: Topics) -> None:
    ask_ticket(probe, topics, "CT"), ask_ticket(probe, topics, "CT")
    cid = str(uuid.uuid4())
    assert press(web, 1, "call_next", cid) == press(web, 1, "call_next", cid)
    waiting = json.loads(get(url + "/api/state")[1])["hall"]["waiting"]
    assert waiting["CT"] == 1


@pytest.mark.usefixtures("web_broker")
@pytest.mark.parametrize(("body", "code"), [
    (b"not json", "invalid_json"),
    ({"command_id": "nope", "action": "call_next"}, "invalid_payload"),
    ({"command_id": str(uuid.uuid4()), "action": "explode"}, "invalid_payload"),
])
def test_bad_input_gets_a_clear_400(web: WebSession, body: bytes | dict[str, Any], code: str) -> None:
    status, reply = web.post_json("/api/counter/5/command", body)
    assert (status, reply["ok"], reply["error"]) == (400, False, code)
    assert reply["detail"]


def test_an_unknown_counter_is_a_404(web: WebSession) -> None:
    status, reply = press(web, 77, "call_next")
    assert (status, reply["error"]) == (404, "unknown_counter")


def test_the_staff_page_follows_its_counter_live(web: WebSession, probe: Probe,
                                                 topics: Topics) -> None:
    ask_ticket(probe, topics, "HT")
    stream = web.event_stream("/events?counter=3")
    try:
        stream.wait_for("counter-3")  # the current state, replayed on connect
        press(web, 3, "call_next")
        state = stream.wait_for("counter-3")
    finally:
        stream.close()
    assert (state["status"], state["ticket"]["number"]) == ("calling", "1001")


def test_a_citizen_follows_the_ticket(web: WebSession, url: str, probe: Probe,
                                      topics: Topics) -> None:
    ask_ticket(probe, topics, "KD")
    mine = ask_ticket(probe, topics, "KD")["ticket"]
    status, page = get(f"{url}/ticket/{mine['id']}")
    assert status == 200
    for text in ("5002", "Kinh doanh", "Đang chờ đến lượt", "Còn 1 người trước công dân"):
        assert text in page
    assert 'http-equiv="refresh"' not in page  # live through its event stream instead
    press(web, 10, "call_next"), press(web, 10, "call_next")
    page = get(f"{url}/ticket/{mine['id']}")[1]
    assert "Đã được gọi" in page and "Mời công dân đến quầy số 10" in page
    assert get(f"{url}/ticket/unknown-ticket")[0] == 404


def test_health(url: str) -> None:
    status, body = get(url + "/healthz")
    assert status == 200 and json.loads(body) == {"ok": True, "mqtt": True}
