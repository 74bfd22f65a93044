"""What the web layer needs from a screen (hall or counter unit), and the answer to a page press."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class PressOutcome:
    code: str  # sent | busy | offline | unknown_action
    detail: str  # Vietnamese, shown on the page
    command_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.code == "sent"


class Screen(Protocol):
    template: str

    def snapshot(self) -> dict[str, Any]: ...

    def press(self, action: str) -> PressOutcome | None: ...
