"""Every Vietnamese word the displays show, in one place so wording is consistent and reviewable."""

from __future__ import annotations

from typing import Final

COUNTER_STATUS: Final[dict[str, str]] = {
    "idle": "Đang chờ gọi số",
    "calling": "Đang gọi",
    "serving": "Đang phục vụ",
    "paused": "Tạm dừng",
    "closed": "Đóng",
}

# The staff actions a counter unit offers, in the order its buttons appear on the page.
ACTIONS: Final[dict[str, str]] = {
    "call_next": "Gọi số tiếp",
    "recall": "Gọi lại",
    "no_show": "Vắng mặt",
    "transfer": "Chuyển",
    "done": "Hoàn thành",
}

# The citizen's rating buttons; the keys are the broker's `rate` values.
RATINGS: Final[dict[str, str]] = {
    "very_satisfied": "Rất hài lòng",
    "satisfied": "Hài lòng",
    "unsatisfied": "Không hài lòng",
}

WEEKDAYS: Final[tuple[str, ...]] = (
    "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật",
)

MQTT_LOST: Final = "Mất kết nối với máy chủ xếp hàng — đang kết nối lại…"
BUTTONS_BROKEN: Final = "Không đọc được nút bấm của quầy — báo kỹ thuật viên"


def counter_status(status: str | None) -> str:
    return COUNTER_STATUS.get(status or "", "Chưa có thông tin")


def wait_minutes(eta_s: int | None) -> int | None:
    """Whole minutes, rounded up: a citizen told "0 phút" who then waits 40 s feels misled."""
    if eta_s is None:
        return None
    return -(-max(eta_s, 0) // 60)
