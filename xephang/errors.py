"""The exception family shared by every role."""


class XephangError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(XephangError, ValueError):
    """The site file is missing, unreadable or invalid; the message names file, key and problem."""


class ProtocolError(XephangError, ValueError):
    """An MQTT payload that does not follow the contract. `code` goes into the error reply."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
