"""The broker's pages over real HTTP: staff page, its command API and live updates, ticket status."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from broker.role import BrokerRole
from tests.probe import Probe
from tests.test_broker_support import ask_ticket, running_broker
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics


@pytest.fixture
def broker(config: SiteConfig, mosquitto: Mosquitto, tmp_path: Path,
           probe: Probe) -> Iterator[BrokerRole]:
    with running_broker(config, mosquitto.url, tmp_path / "queue.db", probe, http=True) as role:
        yield role


@pytest.fixture
def url(broker: BrokerRole) -> str:
    assert broker.http_url
    return broker.http_url


def get(address: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(address, timeout=5) as response:
            return int(response.status), response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def post(address: str, body: bytes | dict[str, Any]) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(address, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def press(url: str, counter: int, action: str, command_id: str | None = None,
          **args: Any) -> tuple[int, dict[str, Any]]:
    body = {"command_id": command_id or str(uuid.uuid4()), "action": action, "args": args}
    return post(f"{url}/api/counter/{counter}/command", body)


def test_the_index_links_every_counter(url: str, config: SiteConfig) -> None:
    status, page = get(url + "/")
    assert status == 200
    for counter in config.counters:
        assert f'href="/counter/{counter.id}"' in page


def test_the_staff_page_has_the_buttons_and_the_counter(url: str) -> None:
    status, page = get(url + "/counter/5")
    assert status == 200
    for label in ("Quầy 5", "Gọi số tiếp", "Gọi lại", "Vắng mặt", "Xong", "Chứng thực", "Trả kết quả"):
        assert label in page
    assert get(url + "/counter/99")[0] == 404


def test_a_press_on_the_staff_page_calls_a_ticket(url: str, probe: Probe, topics: Topics) -> None:
    ticket = ask_ticket(probe, topics, "TKQ")["ticket"]
    probe.subscribe(topics.hall_announce)
    status, reply = press(url, 5, "call_next")
    assert (status, reply["ok"], reply["ticket"]["number"]) == (200, True, "6001")
    assert probe.next(topics.hall_announce)[1]["text"] == "Mời công dân có số thứ tự 6001 đến quầy số 5"
    state = json.loads(get(url + "/api/state")[1])
    assert state["hall"]["recent_calls"][0] == {"number": "6001", "counter": 5,
                                                "at": state["hall"]["recent_calls"][0]["at"]}
    counter5 = next(c for c in state["counters"] if c["counter"] == 5)
    assert counter5["ticket"]["id"] == ticket["id"]


def test_a_double_press_with_one_command_id_calls_once(url: str, probe: Probe,
                                                       topics: Topics) -> None:
    ask_ticket(probe, topics, "CT"), ask_ticket(probe, topics, "CT")
    cid = str(uuid.uuid4())
    assert press(url, 1, "call_next", cid) == press(url, 1, "call_next", cid)
    waiting = json.loads(get(url + "/api/state")[1])["hall"]["waiting"]
    assert waiting["CT"] == 1


@pytest.mark.usefixtures("broker")
@pytest.mark.parametrize(("body", "code"), [
    (b"not json", "invalid_json"),
    ({"command_id": "nope", "action": "call_next"}, "invalid_payload"),
    ({"command_id": str(uuid.uuid4()), "action": "explode"}, "invalid_payload"),
])
def test_bad_input_gets_a_clear_400(url: str, body: bytes | dict[str, Any], code: str) -> None:
    status, reply = post(f"{url}/api/counter/5/command", body)
    assert (status, reply["ok"], reply["error"]) == (400, False, code)
    assert reply["detail"]


def test_an_unknown_counter_is_a_404(url: str) -> None:
    status, reply = press(url, 77, "call_next")
    assert (status, reply["error"]) == (404, "unknown_counter")


def test_the_staff_page_follows_its_counter_live(url: str, probe: Probe, topics: Topics) -> None:
    ask_ticket(probe, topics, "HT")
    with urllib.request.urlopen(url + "/counter/3/events", timeout=5) as stream:
        read_event(stream, "counter-3")  # the current state, replayed on connect
        press(url, 3, "call_next")
        state = read_event(stream, "counter-3")
    assert (state["status"], state["ticket"]["number"]) == ("calling", "1001")


def read_event(stream: Any, name: str) -> dict[str, Any]:
    """Read server-sent events until one named `name` arrives (the socket timeout bounds it)."""
    event = ""
    for raw in stream:
        line = raw.decode("utf-8").rstrip("\n")
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == name:
            data: dict[str, Any] = json.loads(line.removeprefix("data: "))
            return data
    raise AssertionError(f"the stream ended before a {name} event")


def test_a_citizen_follows_the_ticket(url: str, probe: Probe, topics: Topics) -> None:
    ask_ticket(probe, topics, "KD")
    mine = ask_ticket(probe, topics, "KD")["ticket"]
    status, page = get(f"{url}/ticket/{mine['id']}")
    assert status == 200
    for text in ("5002", "Kinh doanh", "Đang chờ đến lượt", "Số người đang chờ trước bạn: <strong>1"):
        assert text in page
    press(url, 10, "call_next"), press(url, 10, "call_next")
    page = get(f"{url}/ticket/{mine['id']}")[1]
    assert "Đã được gọi — mời đến quầy số 10" in page
    assert get(f"{url}/ticket/unknown-ticket")[0] == 404


def test_health(url: str) -> None:
    status, body = get(url + "/healthz")
    assert status == 200 and json.loads(body) == {"ok": True, "mqtt": True}
