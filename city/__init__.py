"""The city tier: `xephang city` stores every center's uplink events once in PostgreSQL and
acknowledges them after its commit (DESIGN §2); the board reads the same database."""

from xephang.errors import XephangError


class CityError(XephangError, RuntimeError):
    """Base of the city tier's own errors."""
