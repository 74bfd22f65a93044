"""Decode an arriving MQTT payload, or log why it was dropped: bad input never reaches the screen."""

from __future__ import annotations

import logging
from typing import TypeVar

from pydantic import BaseModel

from xephang.errors import ProtocolError
from xephang.protocol import decode

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


def decode_or_drop(model: type[M], topic: str, payload: bytes) -> M | None:
    try:
        return decode(model, payload)
    except ProtocolError as exc:
        log.warning("dropped a %s on %s: %s", model.__name__, topic, exc)
        return None
