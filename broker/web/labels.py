"""The Vietnamese words of the staff, manager and citizen pages that only these pages show; the names
of contract words (a counter's status, a rating) are shared with the displays in `xephang/labels.py`.
"""

from __future__ import annotations

from typing import Final

from xephang.protocol import (
    CLOCK_CONFIRMED,
    COUNTER_CLOSING,
    COUNTER_CLOSING_CANCELLED,
    EXPIRED,
    TICKET_CALL_WITHDRAWN,
    TICKET_EXPIRED,
)

# A ticket's status on the citizen's status page.
TICKET_STATUS: Final[dict[str, str]] = {
    "waiting": "Đang chờ đến lượt", "called": "Đã được gọi", "done": "Đã phục vụ xong",
    "no_show": "Đã qua lượt (vắng mặt)",
    "returning": "Đang đi bổ sung giấy tờ — khi quay lại, báo cán bộ để được gọi trước",
    "cancelled": "Số này đã được thay bằng phiếu in khi mất kết nối",
    EXPIRED: "Hết giờ làm việc — số này không còn hiệu lực",
}

# The citizen's ticket page: where the ticket stands, and what to do once it is over.
PEOPLE_AHEAD: Final = "Còn {n} người trước công dân"
NEXT_ONE: Final = "Công dân là người tiếp theo"
EXPECTED_WAIT: Final = "Thời gian chờ dự kiến:"
CALLED_TO: Final = "Mời công dân đến quầy số {counter}"
# A waiting ticket a counter has sent on: to another counter, to another service's line, or both.
MOVED_TO: Final = "Hồ sơ đã được chuyển sang {to}. Công dân vui lòng chờ gọi số."
MOVED_TO_SERVICE: Final = "dịch vụ {service}"
TICKET_NOTES: Final[dict[str, str]] = {
    "no_show": ("Công dân đã không có mặt khi được gọi. Xin mời đến bàn hướng dẫn và đưa phiếu này: "
                "cán bộ sẽ cho gọi lại hoặc cấp số mới."),
    "done": "Xin cảm ơn công dân. Mời đánh giá chất lượng phục vụ trên các nút tại quầy.",
    "cancelled": "Xin dùng phiếu in khi mất kết nối mà công dân đang giữ.",
    EXPIRED: ("Số thứ tự chỉ có giá trị trong ngày cấp số. Nếu hồ sơ chưa được giải quyết, mời "
              "công dân lấy số mới vào ngày làm việc tiếp theo."),
}
FINISHED: Final = "Lượt này đã kết thúc; trang không cập nhật nữa."

# On the staff page, once the hall display has said the counter's current call.
HEARD: Final = "Loa phòng chờ đã đọc số này"

# A device's problem codes (its status `detail`) on the manager's board.
PROBLEMS: Final[dict[str, str]] = {
    "printer_unavailable": "Máy in không sẵn sàng", "printer_offline": "Máy in mất kết nối",
    "paper_out": "Máy in hết giấy", "paper_low": "Máy in sắp hết giấy",
    "camera_unavailable": "Camera không hoạt động", "buttons_unavailable": "Nút bấm không hoạt động",
    "clock_unsynced": "Đồng hồ chưa đồng bộ giờ",
    "clock_behind": "Đồng hồ máy chủ chạy sai (sớm hơn vé đã cấp)",
    "clock_ahead": "Đồng hồ máy chủ nhảy vượt xa lần cuối chạy đúng giờ",
}
NO_PROBLEM: Final = "Bình thường"
SPEAKER_PROBLEM: Final = "Loa / giọng đọc lỗi:"

FORBIDDEN: Final = "Tài khoản của bạn không có quyền mở trang này."
NOT_FOUND: Final = "Không tìm thấy trang này."
# A long report whose worker process died or did not finish in time (broker/reports/pool.py).
REPORT_FAILED: Final = ("Không lập được báo cáo lần này (tiến trình lập báo cáo bị dừng hoặc quá lâu). "
                        "Xin thử lại; nếu vẫn lỗi, hãy chọn khoảng ngày ngắn hơn hoặc báo quản trị viên.")

# What an event of the audit trail was, on the manager's audit page.
EVENT_NAMES: Final[dict[str, str]] = {
    "ticket_issued": "Cấp số", "ticket_offline": "Cấp số khi mất kết nối",
    "ticket_reprinted": "In lại phiếu", "ticket_cancelled": "Hủy số",
    "ticket_called": "Gọi số", "ticket_recalled": "Gọi lại", "ticket_serving": "Bắt đầu phục vụ",
    "ticket_done": "Xong", "ticket_no_show": "Vắng mặt", "ticket_transferred": "Chuyển",
    "ticket_rated": "Đánh giá", "ticket_returning": "Đi bổ sung giấy tờ",
    "ticket_returned": "Quay lại sau khi bổ sung giấy tờ",
    TICKET_CALL_WITHDRAWN: "Rút lại lượt gọi (vừa gọi, chưa phục vụ)",
    TICKET_EXPIRED: "Hết giờ làm việc, số hết hiệu lực",
    CLOCK_CONFIRMED: "Xác nhận giờ máy chủ",
    "counter_paused": "Tạm dừng quầy", "counter_resumed": "Mở lại quầy",
    "counter_opened": "Mở quầy", "counter_closed": "Đóng quầy",
    COUNTER_CLOSING: "Đóng quầy sau khi phục vụ xong công dân hiện tại",
    COUNTER_CLOSING_CANCELLED: "Hủy đóng quầy (quầy tiếp tục mở)",
    "counter_services_changed": "Đổi dịch vụ của quầy",
    "plan_applied": "Áp dụng kế hoạch bố trí quầy",
    "account_created": "Tạo tài khoản", "account_changed": "Sửa tài khoản",
    "account_removed": "Xóa tài khoản", "account_disabled": "Khóa tài khoản",
    "account_enabled": "Mở khóa tài khoản", "password_reset": "Đặt lại mật khẩu",
    "login": "Đăng nhập", "logout": "Đăng xuất", "login_failed": "Đăng nhập sai",
    "login_locked": "Đăng nhập tài khoản đã khóa", "login_throttled": "Đăng nhập bị tạm chặn",
    "refused_forbidden": "Từ chối truy cập: không đủ quyền",
    "refused_csrf_failed": "Từ chối biểu mẫu hết hạn hoặc không hợp lệ",
    "device_problem": "Thiết bị gặp sự cố", "device_ok": "Thiết bị hoạt động lại",
}
