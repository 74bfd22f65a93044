"""The Vietnamese words only the city's board shows (contract words' names are in xephang/labels.py)."""

from __future__ import annotations

from typing import Final

# How fresh a center's data is, by the age of its newest event.
FRESHNESS: Final[dict[str, str]] = {
    "ok": "Bình thường",
    "lost": "Mất kết nối",
    "catching_up": "Đang gửi bù dữ liệu",
    "closed": "Ngoài giờ làm việc",
    "none": "Chưa có dữ liệu",
}
OFFLINE_TICKETS: Final = "{count} phiếu in khi ki-ốt mất kết nối với máy chủ"
NO_PROBLEM: Final = "Không"
BAD_DAY: Final = "Ngày phải có dạng năm-tháng-ngày, ví dụ 2026-03-04."
BAD_MONTH: Final = "Tháng phải có dạng năm-tháng, ví dụ 2026-03."
BAD_RANGE: Final = "“Đến ngày” phải sau hoặc bằng “từ ngày”, trong vòng {days} ngày."
SHOWING_TODAY: Final = "Đang hiển thị số liệu hôm nay."
SHOWING_MONTH: Final = "Đang hiển thị số liệu tháng này."
UNKNOWN_CENTER: Final = "Không có trung tâm {site!r} trong danh sách của thành phố."
CLOSED_DAYS_ONLY: Final = ("Số liệu toàn thành phố tính đến hết ngày {day}; số liệu hôm nay xem ở "
                           "trang “Hôm nay”.")
NO_CLOSED_DAY: Final = "Chưa có ngày nào kết thúc trong khoảng này; số liệu hôm nay xem ở trang “Hôm nay”."
