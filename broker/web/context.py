"""What the broker's pages share, kept on the Flask app: one typed accessor each."""

from __future__ import annotations

from broker.accounts.registry import Accounts
from broker.devices import Devices
from broker.queue.manager import Desk
from broker.reports.pool import ReportPool
from broker.service import BrokerService
from broker.web.board import Presence
from broker.web.plans import Plans
from xephang.web import shared


def broker() -> BrokerService:
    return shared("xephang_broker", BrokerService)


def desk() -> Desk:
    return shared("xephang_desk", Desk)


def plans() -> Plans:
    return shared("xephang_plans", Plans)


def presence() -> Presence:
    return shared("xephang_presence", Presence)


def devices() -> Devices:
    return shared("xephang_devices", Devices)


def accounts() -> Accounts:
    return shared("xephang_accounts", Accounts)


def report_pool() -> ReportPool:
    return shared("xephang_reports", ReportPool)
