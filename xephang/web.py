"""Serving pages: a waitress server in a thread, server-sent events fanned out to many pages, and
what every role's Flask app shares (the app itself, the `/events` response, the JSON error body).

Waitress runs each streaming client on its own thread, so `threads` bounds how many pages can be open
at once (a hall screen, a few staff browsers, a manager); it is set well above that.

Every role's pages are built with `web_app` and served by `WebServer`, which together hold the limits
against abuse: a request body over MAX_BODY_BYTES is answered 413 by waitress from its headers, before
the body is read (no page of ours takes more than a small form or JSON object), in the same
Vietnamese words as the pages' own refusals, and JSON that cannot
be parsed, however deeply nested, is a 400 with the error body, never a 500.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

from flask import Flask, Request, Response, current_app, jsonify, request
from flask.json.provider import DefaultJSONProvider
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask
from waitress.utilities import RequestEntityTooLarge as BodyTooLarge
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from xephang.protocol import ErrorReply

log = logging.getLogger(__name__)

KEEPALIVE_S = 15.0
MAX_BODY_BYTES = 64 * 1024
# An event stream is never stored by a browser or a proxy, nor buffered by one (nginx).
STREAM_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}

T = TypeVar("T")


def shared(name: str, kind: type[T]) -> T:
    """What an app keeps in `app.extensions[name]` for its pages, checked to be a `kind`."""
    found = current_app.extensions[name]
    assert isinstance(found, kind), f"{name} is a {type(found).__name__}, not a {kind.__name__}"
    return found


class _GuardedJSON(DefaultJSONProvider):
    """Flask's JSON, where nesting too deep to parse is a ValueError like any other bad JSON, and
    Vietnamese stays readable rather than \\u-escaped."""

    ensure_ascii = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc


class InvalidJSON(BadRequest):
    """A request body that says it is JSON and is not."""


class _Request(Request):
    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:  # not sent as JSON at all: Flask's own 415
            return super().on_json_loading_failed(e)
        raise InvalidJSON() from e


REFUSALS_VI = {
    InvalidJSON: (400, "invalid_json", "Nội dung gửi lên không phải JSON hợp lệ."),
    BadRequest: (400, "bad_request", "Yêu cầu không hợp lệ."),
    RequestEntityTooLarge: (413, "too_large",
                            f"Nội dung gửi lên quá lớn (tối đa {MAX_BODY_BYTES // 1024} KiB)."),
}


def web_app(import_name: str) -> Flask:
    """A role's Flask app (templates and static files beside `import_name`), with the body limit
    and the JSON refusals every role shares."""
    app = Flask(import_name)
    app.request_class = _Request
    app.json = _GuardedJSON(app)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    for error, (status, code, detail) in REFUSALS_VI.items():
        app.register_error_handler(error, _refusal(status, code, detail))
    return app


def _refusal(status: int, code: str, detail: str) -> Any:
    def refuse(_: Exception) -> tuple[Response | str, int]:
        if request.is_json or request.accept_mimetypes.best == "application/json":
            return error_body(status, code, detail)
        return detail, status
    return refuse


class _RefusalTask(ErrorTask):  # type: ignore[misc]
    """waitress's own answer to a request it refuses before a page sees it (a body over the limit,
    a malformed request), in the pages' words: Vietnamese, the JSON refusal when JSON was sent or
    asked for, plain text otherwise (as `_refusal`)."""

    def execute(self) -> None:
        error = self.request.error
        if isinstance(error, BodyTooLarge):
            _, code, detail = REFUSALS_VI[RequestEntityTooLarge]
        else:
            _, code, detail = REFUSALS_VI[BadRequest]
        headers = self.request.headers
        wants_json = "json" in headers.get("CONTENT_TYPE", "") + headers.get("ACCEPT", "")
        if wants_json:
            body = ErrorReply(error=code, detail=detail).model_dump_json(exclude_none=True)
            kind = "application/json"
        else:
            body, kind = detail, "text/plain"
        payload = body.encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", f"{kind}; charset=utf-8"))
        self.set_close_on_finish()
        self.content_length = len(payload)
        self.write(payload)


class _Channel(HTTPChannel):  # type: ignore[misc]
    error_task_class = _RefusalTask


def _refuse_in_vietnamese(server: Any) -> None:
    """Have `server` (one listening socket, or several) answer its own refusals with _RefusalTask."""
    listeners = [server] if isinstance(server, BaseWSGIServer) else list(server.map.values())
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = _Channel


def error_body(status: int, code: str, detail: str) -> tuple[Response, int]:
    """Every JSON refusal of every role: the protocol's ErrorReply, `{"v":1,"ok":false,"error",
    "detail"}`, with its HTTP status."""
    return jsonify(ErrorReply(error=code, detail=detail).model_dump(exclude_none=True)), status


def event_stream(hub: EventHub) -> Response:
    """The `/events` answer: `hub`'s server-sent events, for as long as the page stays."""
    return Response(hub.stream(), mimetype="text/event-stream", headers=STREAM_HEADERS)


def parse_http(value: str) -> tuple[str, int]:
    """`HOST:PORT` -> (host, port); port 0 picks a free one."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{value!r} is not HOST:PORT")
    return host or "127.0.0.1", int(port)


class WebServer:
    def __init__(self, app: Any, host: str, port: int, threads: int = 48) -> None:
        self._server = create_server(
            app, host=host, port=port, threads=threads, channel_timeout=3600, ident="xephang",
            max_request_body_size=MAX_BODY_BYTES + 1,  # waitress refuses a body of exactly its limit
        )
        _refuse_in_vietnamese(self._server)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def host(self) -> str:
        return str(self._server.effective_host)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> WebServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.close()

    def _serve(self) -> None:
        try:
            self._server.run()
        except OSError:
            # Closing the listening socket from another thread can wake the poll loop on a dead
            # descriptor; that is the shutdown we asked for, anything else is a real failure.
            if not self._stopping.is_set():
                raise


class EventHub:
    """Fan-out of named events to every connected SSE client; a new client gets the latest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: list[queue.Queue[str | None]] = []
        self._latest: dict[str, str] = {}

    def publish(self, event: str, data: Any, *, keep: bool = True) -> None:
        """Send to all; with `keep`, it is also replayed to clients that connect later."""
        frame = f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
        with self._lock:
            if keep:
                self._latest[event] = frame
            clients = list(self._clients)
        for client in clients:
            client.put(frame)

    def stream(self) -> Iterator[str]:
        client: queue.Queue[str | None] = queue.Queue()
        with self._lock:
            self._clients.append(client)
            backlog = list(self._latest.values())
        try:
            yield "retry: 1000\n\n"
            yield from backlog
            while True:
                try:
                    frame = client.get(timeout=KEEPALIVE_S)
                except queue.Empty:
                    frame = ": keepalive\n\n"
                if frame is None:
                    return
                yield frame
        finally:
            with self._lock:
                self._clients.remove(client)

    def close(self) -> None:
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            client.put(None)

    @property
    def client_count(self) -> int:
        with self._lock:
            return len(self._clients)
