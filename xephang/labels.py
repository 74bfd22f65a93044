"""The Vietnamese names of the contract's words, for every surface that shows them.

A counter's status, a rating and a call read the same on the manager's board, the staff page, the
displays and the reports. Words only one surface uses live with it: `display/labels.py`,
`broker/web/labels.py`, `kiosk/ticket_text.py` and the kiosk's messages in `kiosk/core.py`.
"""

from __future__ import annotations

from typing import Final

from xephang.protocol import CounterStatus, DeviceProblem, Priority, Rating, Source, StaffAction

COUNTER_STATUS: Final[dict[CounterStatus, str]] = {
    "idle": "Đang chờ gọi số",
    "calling": "Đang gọi",
    "serving": "Đang phục vụ",
    "paused": "Tạm dừng",
    "closed": "Đóng",
}
UNKNOWN_STATUS: Final = "Chưa có thông tin"
# A counter that closes after its current citizen (CounterState.closing): after its status on the
# boards and the hall, and in full on the staff page and the counter unit.
CLOSING_SOON: Final = "sắp đóng quầy"
CLOSING_NOTE: Final = "Sắp đóng quầy"  # under the number on the hall's counter strip
CLOSING_AFTER_CURRENT: Final = "Quầy sẽ đóng sau khi phục vụ xong công dân hiện tại."

# A staff action's button, the same on the staff page and the counter unit.
ACTION_NAMES: Final[dict[StaffAction, str]] = {
    "call_next": "Gọi số tiếp", "recall": "Gọi lại", "serve": "Bắt đầu phục vụ",
    "no_show": "Vắng mặt", "done": "Xong", "transfer": "Chuyển", "pause": "Tạm dừng",
    "resume": "Mở lại", "call": "Gọi số này",
}
# What a done action answers, where its result names no ticket.
ACTION_RESULTS: Final[dict[StaffAction, str]] = {
    "no_show": "Đã ghi vắng mặt.", "done": "Đã xong.", "transfer": "Đã chuyển.",
    "pause": "Quầy tạm dừng.", "resume": "Quầy mở lại.",
}
NOBODY_WAITING: Final = "Không còn ai chờ."
# Where the result names its ticket: a call, a recall, the start of service.
TICKET_RESULTS: Final[dict[StaffAction, str]] = {
    "call_next": "Đang gọi số {number}", "call": "Đang gọi số {number}",
    "recall": "Đã gọi lại số {number}", "serve": "Đang phục vụ số {number}",
}
# Said before a call's result when that call withdrew the one just made (TICKET_CALL_WITHDRAWN).
WITHDRAWN_RESULT: Final = "Số {number} trở lại hàng chờ (vừa gọi chưa phục vụ)."

# A ticket's priority, as the ticket prints it and the staff page shows it ("none" has no name).
PRIORITY_NAMES: Final[dict[Priority, str]] = {
    "elderly": "Người cao tuổi",
    "disabled": "Người khuyết tật",
    "pregnant": "Phụ nữ mang thai",
    "merit": "Người có công",
    "appointment": "Có lịch hẹn",
}

# How a ticket was asked for at the kiosk (a ticket's `source`).
SOURCE_NAMES: Final[dict[Source, str]] = {
    "button": "Nút bấm", "cccd": "Căn cước công dân", "booking": "Mã đặt lịch hẹn",
    "dossier": "Giấy hẹn trả kết quả",
}

# The citizen's ratings, in the order their buttons and report columns appear.
RATING_NAMES: Final[dict[Rating, str]] = {
    "very_satisfied": "Rất hài lòng",
    "satisfied": "Hài lòng",
    "unsatisfied": "Không hài lòng",
}

# A call, as the hall shows and says it: "Mời công dân có số thứ tự 1023 đến quầy số 5".
INVITE: Final = "Mời công dân có số thứ tự"
TO_COUNTER: Final = "đến quầy số"


def counter_status(status: str | None, closing: bool = False) -> str:
    """A counter's status in Vietnamese; "Chưa có thông tin" before the first state arrives;
    "Đang phục vụ · sắp đóng quầy" for one that closes after its current citizen."""
    name = next((name for code, name in COUNTER_STATUS.items() if code == status), UNKNOWN_STATUS)
    return f"{name} · {CLOSING_SOON}" if closing and status != "closed" else name


def counter_label(counter_id: int) -> str:
    """The name of a counter the site file gives no name."""
    return f"Quầy {counter_id}"


def call_text(number: str, counter_id: int) -> str:
    return f"{INVITE} {number} {TO_COUNTER} {counter_id}"


# Why a service takes no ticket now: the kiosk shows it on the service's button, and the broker
# sends the same words when it refuses a request (routing/availability.py).
OUTSIDE_HOURS: Final = "Ngoài giờ cấp số ({opens}–{closes}). Mời công dân quay lại trong giờ làm việc."
LUNCH_BREAK: Final = ("Đang giờ nghỉ trưa ({starts}–{ends}), tạm ngừng cấp số. "
                      "Mời công dân quay lại lúc {ends}.")
NO_OPEN_COUNTER: Final = ("Hiện chưa có quầy nào mở cho dịch vụ này. "
                          "Mời công dân liên hệ cán bộ hướng dẫn.")
QUOTA_REACHED: Final = ("Dịch vụ này đã cấp đủ {quota} số trong hôm nay. "
                        "Mời công dân quay lại vào ngày làm việc tiếp theo.")

# A device's kind of trouble (a `device_problem` incident), on the city's board and the manager's.
DEVICE_PROBLEM_NAMES: Final[dict[DeviceProblem, str]] = {
    "offline": "Mất kết nối", "paper_out": "Máy in hết giấy",
    "printer_offline": "Máy in mất kết nối hoặc mở nắp", "printer_unavailable": "Máy in không sẵn sàng",
    "camera_unavailable": "Camera không hoạt động", "buttons_unavailable": "Nút bấm không hoạt động",
    "clock_unsynced": "Đồng hồ chưa đồng bộ giờ", "clock_behind": "Đồng hồ chạy sai",
    "clock_ahead": "Đồng hồ nhảy vượt xa giờ đúng",
    "speaker": "Loa / giọng đọc lỗi", "other": "Lỗi khác",
}
