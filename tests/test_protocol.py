"""Payloads are validated where they arrive; each rejection carries a code and a readable detail."""

from __future__ import annotations

import json
import uuid

import pytest

from xephang.errors import ProtocolError
from xephang.protocol import (
    BadArgument,
    CounterCommand,
    ErrorReply,
    OfflineTicket,
    RateArgs,
    TicketRequest,
    Topics,
    TransferArgs,
    decode,
    parse_counter_id,
    parse_number,
    read_args,
    reply_ids,
    ticket_number,
)


def request(**changes: object) -> bytes:
    body = {"v": 1, "request_id": str(uuid.uuid4()), "service": "HT", "priority": "none",
            "source": "button", **changes}
    return json.dumps(body).encode()


def test_valid_request_round_trips() -> None:
    parsed = decode(TicketRequest, request(priority="elderly", note="extra keys are ignored"))
    assert parsed.priority == "elderly"
    assert decode(TicketRequest, parsed.encode()) == parsed


@pytest.mark.parametrize(
    ("payload", "code", "mentions"),
    [
        (b"", "invalid_json", "không phải JSON"),
        (b"\xff\xfe\x00", "invalid_json", "UTF-8"),
        (b"[1, 2]", "invalid_payload", "đối tượng JSON"),
        (request(v=2), "unsupported_version", '"v": 1'),
        (request(v=True), "unsupported_version", '"v": 1'),
        (b'{"v": 1, "x": ' + b"[" * 3000 + b"]" * 3000 + b"}", "invalid_json", "lồng nhau"),
        (b'{"v": 1, "x": ' + b"9" * 5000 + b"}", "invalid_json", "số quá dài"),
        (request(service="hộ tịch"), "invalid_payload", "service"),
        (request(priority="vip"), "invalid_payload", "priority"),
        (request(request_id="42"), "invalid_payload", "request_id"),
        (request(id_hash="0123456789ABCDEF-raw-id"), "invalid_payload", "id_hash"),
        (b'{"v": 1, "request_id": "' + b"a" * 20000 + b'"}', "too_large", "giới hạn"),
    ],
)
def test_malformed_payloads_are_rejected_with_a_reason(payload: bytes, code: str,
                                                       mentions: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        decode(TicketRequest, payload)
    assert caught.value.code == code
    assert mentions in caught.value.detail


def test_error_reply_echoes_the_sender_id() -> None:
    command_id = str(uuid.uuid4())
    bad = json.dumps({"v": 1, "command_id": command_id, "action": "dance"}).encode()
    with pytest.raises(ProtocolError) as caught:
        decode(CounterCommand, bad)
    reply = ErrorReply(error=caught.value.code, detail=caught.value.detail, **reply_ids(bad))
    body = json.loads(reply.encode())
    assert body["v"] == 1 and body["ok"] is False
    assert body["command_id"] == command_id and body["error"] == "invalid_payload"


def test_topics_follow_the_contract() -> None:
    topics = Topics("phuong-ba-dinh")
    assert topics.kiosk_request("kiosk-1") == "xephang/v1/phuong-ba-dinh/kiosk/kiosk-1/request"
    assert topics.counter_state(5) == "xephang/v1/phuong-ba-dinh/counter/5/state"
    assert topics.hall_state == "xephang/v1/phuong-ba-dinh/hall/state"
    assert topics.suggestions == "xephang/v1/phuong-ba-dinh/suggestions"
    assert topics.segment(topics.counter_command(12), "counter") == "12"
    assert topics.segment("other/root/counter/1/command", "counter") is None


@pytest.mark.parametrize("args", [{"ticket": 10**20}, {"ticket": [1]}, {"ticket": {"a": 1}},
                                  {"service": "x" * 65}, {f"k{i}": 1 for i in range(9)}])
def test_command_args_are_small_flat_values(args: dict[str, object]) -> None:
    payload = json.dumps({"v": 1, "command_id": str(uuid.uuid4()), "action": "rate", "args": args})
    with pytest.raises(ProtocolError) as caught:
        decode(CounterCommand, payload.encode())
    assert caught.value.code == "invalid_payload"
    assert caught.value.detail.startswith("Nội dung không hợp lệ — args")


def test_a_ticket_time_outside_any_plausible_year_is_refused() -> None:
    ticket = {"v": 1, "request_id": str(uuid.uuid4()), "id": "t1", "number": "1901",
              "service": "HT", "issued_at": "9999-12-31T23:59:00-05:00", "ahead": 0, "eta_s": 0}
    with pytest.raises(ProtocolError) as caught:
        decode(OfflineTicket, json.dumps(ticket).encode())
    assert "issued_at" in caught.value.detail


@pytest.mark.parametrize(("segment", "expected"), [("5", 5), ("12", 12), ("²", None), ("٣", None),
                                                   ("9" * 5000, None), ("-1", None), ("", None)])
def test_a_counter_id_in_a_topic_is_ascii_digits(segment: str, expected: int | None) -> None:
    assert parse_counter_id(segment) == expected
def test_a_number_is_the_prefix_then_three_digits_and_reads_back() -> None:
    assert ticket_number(1, 23) == "1023"
    assert ticket_number(9, 999) == "9999"
    assert parse_number("2801") == (2, 801)
    for bad in ("0023", "123", "12345", "1a23", ""):
        assert parse_number(bad) is None


def test_a_command_is_sent_with_its_actions_args_as_a_plain_object() -> None:
    command_id = uuid.uuid4()
    transfer = CounterCommand.of(command_id, "transfer", TransferArgs(service="TKQ"))
    assert json.loads(transfer.encode())["args"] == {"service": "TKQ"}
    assert json.loads(CounterCommand.of(command_id, "call_next").encode())["args"] == {}
    with pytest.raises(TypeError):
        CounterCommand.of(command_id, "rate", TransferArgs(counter=2))


@pytest.mark.parametrize(("args", "code"), [
    ({"counter": "5"}, "unknown_counter"),
    ({"counter": True}, "unknown_counter"),
    ({"service": "tkq"}, "unknown_service"),
    ({"service": 7}, "unknown_service"),
])
def test_a_bad_transfer_argument_carries_its_own_code(args: dict[str, object], code: str) -> None:
    with pytest.raises(BadArgument) as caught:
        read_args(TransferArgs, args)
    assert (caught.value.code, caught.value.value) == (code, next(iter(args.values())))


def test_a_rating_must_be_one_of_the_three() -> None:
    assert read_args(RateArgs, {"rating": "satisfied", "ticket": "t-1"}).ticket == "t-1"
    for args in ({"rating": "great"}, {}):
        with pytest.raises(BadArgument) as caught:
            read_args(RateArgs, args)
        assert caught.value.code == "invalid_rating"
