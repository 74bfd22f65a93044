"""What the broker's pages share, kept on the Flask app: one typed accessor each."""

from __future__ import annotations

from typing import TypeVar

from flask import current_app

from broker.accounts.registry import Accounts
from broker.devices import Devices
from broker.queue.manager import Desk
from broker.reports.pool import ReportPool
from broker.service import BrokerService
from broker.web.board import Presence
from broker.web.plans import Plans

T = TypeVar("T")


def _shared(name: str, kind: type[T]) -> T:
    found = current_app.extensions[name]
    assert isinstance(found, kind), f"{name} is a {type(found).__name__}, not a {kind.__name__}"
    return found


def broker() -> BrokerService:
    return _shared("xephang_broker", BrokerService)


def desk() -> Desk:
    return _shared("xephang_desk", Desk)


def plans() -> Plans:
    return _shared("xephang_plans", Plans)


def presence() -> Presence:
    return _shared("xephang_presence", Presence)


def devices() -> Devices:
    return _shared("xephang_devices", Devices)


def accounts() -> Accounts:
    return _shared("xephang_accounts", Accounts)


def report_pool() -> ReportPool:
    return _shared("xephang_reports", ReportPool)
