"""The Vietnamese words of the display pages and the counter unit, in one place so wording is
consistent and reviewable. The names of contract words (a counter's status, a rating, a call) are
shared with the staff and manager pages and come from `xephang/labels.py`.
"""

from __future__ import annotations

from typing import Final

from routing.wait_range import band_range, range_words, wait_range
from xephang.labels import ACTION_NAMES
from xephang.protocol import StaffAction, WaitRange

# The staff actions a counter unit offers, in the order its buttons appear on the page.
ACTIONS: Final[dict[StaffAction, str]] = {
    action: ACTION_NAMES[action] for action in (
        "call_next", "recall", "serve", "no_show", "transfer", "done", "pause", "resume")
}
WAITING: Final = "Đang chờ: {count}"

WEEKDAYS: Final[tuple[str, ...]] = (
    "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật",
)

MQTT_LOST: Final = "Mất kết nối với máy chủ xếp hàng — đang kết nối lại…"
BUTTONS_BROKEN: Final = "Không đọc được nút bấm của quầy — báo kỹ thuật viên"
NO_BUTTONS: Final = "Màn hình này không có nút bấm"

# What a press on a counter unit answers at once, by outcome code.
UNKNOWN_ACTION: Final = "Không có thao tác {action!r}"
NOT_CONFIGURED: Final = "Chưa cấu hình nơi chuyển đến — báo quản lý"
NOTHING_TO_RATE: Final = "Chưa có lượt phục vụ nào để đánh giá"
ALREADY_RATED: Final = "Công dân đã đánh giá lượt phục vụ này. Xin cảm ơn!"
BUSY: Final = "Đang chờ phản hồi của lệnh trước"
SENT: Final = "Đã gửi: {label}"

# What the unit shows once the broker has answered (or not).
NO_REPLY: Final = "Máy chủ chưa phản hồi — vui lòng bấm lại"
THANKS_FOR_RATING: Final = "Xin cảm ơn công dân đã đánh giá!"
RATING_FAILED: Final = "Chưa ghi nhận được đánh giá: {reason}"
ACTION_FAILED: Final = "{action} không thực hiện được: {reason}"
NO_REASON: Final = "không rõ lý do"


def wait_minutes(eta_s: int | None) -> int | None:
    """Whole minutes, rounded up: a citizen told "0 phút" who then waits 40 s feels misled."""
    if eta_s is None:
        return None
    return -(-max(eta_s, 0) // 60)


NO_WAIT: Final = "Không phải chờ"
HEARD: Final = " · loa đã đọc số"  # after the status, once the hall has said the counter's call
NO_CALL_YET: Final = "Chưa gọi số nào"
NOBODY_CALLED: Final = "Xin mời chờ đến lượt"  # the big box, once its call was finished


def wait_text(waiting: int, eta_s: int | None, wait: WaitRange | None = None,
              round_min: int = 5) -> str:
    """A service's wait for a ticket taken now, in the tickets' words (`khoảng 15–25 phút`): the
    forecast's range when there is one, else the range around the estimate. No wait only when
    nobody waits (and the forecast, if any, says under a minute): with people waiting there is a
    wait, even while counters sit idle."""
    if not waiting and (wait is None or wait.high_s < 60):
        return NO_WAIT
    if wait is not None:
        return range_words(*band_range(wait.low_s, wait.high_s, round_min))
    return "—" if eta_s is None else range_words(*wait_range(eta_s, round_min))
