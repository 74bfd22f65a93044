"""The broker's exception family."""

from __future__ import annotations

from xephang.errors import XephangError


class BrokerError(XephangError):
    """Base of every error the queue server raises on purpose."""


class Rejected(BrokerError, ValueError):
    """A request or command that cannot be carried out; `code` and `detail` go into the reply."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
