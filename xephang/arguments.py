"""The command line's own refusals (a missing option, a word where a number goes) in Vietnamese,
like every other error of the `xephang` command."""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

_KINDS = {"int": "số nguyên", "float": "số"}
_ARGUMENT = r"argument (?P<arg>[^:]+): "
# argparse's messages (Python 3.11–3.13) and what they say in Vietnamese.
_SAID = [
    (re.compile(r"^the following arguments are required: (?P<names>.+)$"),
     "thiếu tham số bắt buộc: {names}"),
    (re.compile(_ARGUMENT + r"invalid (?P<kind>\w+) value: (?P<value>.+)$"),
     "{arg}: {value} không phải {kind}"),
    (re.compile(_ARGUMENT + r"invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)$"),
     "{arg}: không có lựa chọn {value} (chọn một trong: {choices})"),
    (re.compile(_ARGUMENT + r"expected one argument$"), "{arg}: cần một giá trị"),
    (re.compile(_ARGUMENT + r"expected (?P<many>.+) arguments?$"), "{arg}: cần {many} giá trị"),
    (re.compile(_ARGUMENT + r"not allowed with argument (?P<other>.+)$"),
     "{arg}: không dùng cùng với {other}"),
    (re.compile(r"^unrecognized arguments: (?P<words>.+)$"), "không hiểu tham số: {words}"),
    (re.compile(r"^one of the arguments (?P<names>.+) is required$"),
     "cần một trong các tham số: {names}"),
    (re.compile(r"^ambiguous option: (?P<given>\S+) could match (?P<names>.+)$"),
     "tham số {given} không rõ: có thể là {names}"),
    (re.compile(_ARGUMENT + r"(?P<said>.+)$"), "{arg}: {said}"),  # a type's own (Vietnamese) words
]


def in_vietnamese(message: str) -> str:
    """argparse's message in Vietnamese; unchanged when it is one this list does not know."""
    for pattern, words in _SAID:
        said = pattern.match(message)
        if said is not None:
            parts = said.groupdict()
            if "kind" in parts:
                parts["kind"] = _KINDS.get(parts["kind"], f"giá trị kiểu {parts['kind']}")
            if parts.get("arg") == "command":
                parts["arg"] = "lệnh"
            return words.format(**parts)
    return message


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, refusing in Vietnamese: the usage line, then `xephang …: lỗi: …`."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: lỗi: {in_vietnamese(message)}\n")
