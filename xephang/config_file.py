"""Reading a configuration file (site.toml, city.toml) and telling what is wrong with it, in
Vietnamese: the technician who edits it sees the file, the key and the problem on one line."""

from __future__ import annotations

import errno
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from xephang.errors import ConfigError

# What the operating system says of a file that cannot be read, by errno.
_UNREADABLE = {
    errno.ENOENT: "không có tệp này",
    errno.EACCES: "không có quyền đọc tệp này",
    errno.EPERM: "không có quyền đọc tệp này",
    errno.EISDIR: "đây là một thư mục, không phải tệp",
}
_TOML_PLACE = re.compile(r"^(?P<what>.*?)\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def read_toml(path: Path) -> dict[str, Any]:
    """The file's TOML table; a ConfigError naming the file (and the line) otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        why = _UNREADABLE.get(exc.errno or 0, f"không đọc được ({exc.strerror or exc})")
        raise ConfigError(f"{path}: {why}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: không phải tệp văn bản UTF-8 (byte thứ {exc.start + 1})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: sai cú pháp TOML{_toml_place(str(exc))}") from exc


def _toml_place(message: str) -> str:
    place = _TOML_PLACE.match(message)
    if place is None:
        return f" ({message})"
    return f" ở dòng {place['line']}, cột {place['column']} ({place['what']})"


def describe_validation_error(exc: ValidationError) -> str:
    """One `key.path: problem` per problem, joined by "; "."""
    lines = []
    for error in exc.errors(include_url=False):
        key = ".".join(str(part) for part in error["loc"]) or "(cả tệp)"
        lines.append(f"{key}: {problem(error)}")
    return "; ".join(lines)


def problem(error: ErrorDetails) -> str:
    """The problem of one validation error, in Vietnamese; pydantic's own words for a rare kind."""
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    kind = error["type"]
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    words = _PROBLEMS.get(kind)
    if words is None:
        return error["msg"]
    return words.format(**{name: _shown(value) for name, value in ctx.items()})


def _shown(value: Any) -> str:
    return str(value).replace("'", '"')


_NUMBER = "phải là một số"
_WHOLE = "phải là số nguyên"
_TABLE = "phải là một bảng (mục [tên] hoặc { khóa = giá trị })"
_PROBLEMS = {
    "missing": "thiếu khóa bắt buộc này",
    "extra_forbidden": "không có khóa này (viết sai tên, hoặc đặt nhầm mục?)",
    "int_type": _WHOLE, "int_parsing": _WHOLE, "int_from_float": _WHOLE,
    "float_type": _NUMBER, "float_parsing": _NUMBER, "finite_number": "phải là một số hữu hạn",
    "bool_type": "phải là true hoặc false", "bool_parsing": "phải là true hoặc false",
    "string_type": 'phải là chữ trong ngoặc kép ("…")',
    "time_type": 'phải là giờ dạng "HH:MM", ví dụ "07:30"',
    "time_parsing": 'phải là giờ dạng "HH:MM", ví dụ "07:30"',
    "greater_than": "phải lớn hơn {gt}",
    "greater_than_equal": "phải từ {ge} trở lên",
    "less_than": "phải nhỏ hơn {lt}",
    "less_than_equal": "không được lớn hơn {le}",
    "string_too_short": "quá ngắn: cần ít nhất {min_length} ký tự",
    "string_too_long": "quá dài: nhiều nhất {max_length} ký tự",
    "too_short": "cần ít nhất {min_length} mục",
    "too_long": "nhiều nhất {max_length} mục",
    "string_pattern_mismatch": "không đúng dạng cho phép (mẫu {pattern})",
    "literal_error": "phải là một trong: {expected}",
    "enum": "phải là một trong: {expected}",
    "list_type": "phải là một danh sách [ … ]",
    "dict_type": _TABLE, "model_type": _TABLE, "model_attributes_type": _TABLE,
}
