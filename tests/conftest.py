"""Fixtures every test module may ask for: the site, a private Mosquitto and a probe on it, mock pins,
a fake clock, a browser, a running broker (MQTT only, with its web pages, or with signed-in accounts)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from broker.devices import Devices
from broker.role import BrokerRole
from harness.mqtt_probe import OBSERVERS, Probe
from tests.support.broker import running_broker
from tests.support.fake_clock import FakeClock
from tests.support.paths import SCREENSHOTS, SITE_TOML
from tests.support.staff_pages import add_accounts
from xephang.config import SiteConfig, load_config
from xephang.credentials import make_credentials
from xephang.mosquitto import Mosquitto
from xephang.mqtt import MqttLink
from xephang.protocol import BROKER_ID, Topics


@pytest.fixture
def config() -> SiteConfig:
    return load_config(SITE_TOML)


@pytest.fixture
def topics(config: SiteConfig) -> Topics:
    return Topics(config.site.id)


@pytest.fixture(scope="session")
def center_secrets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site's CA, server key and device passwords (`xephang credentials`), made once a run: their
    durable writes (an fsync per secret) would otherwise be most of a Mosquitto's start."""
    folder = tmp_path_factory.mktemp("center-secrets")
    make_credentials(load_config(SITE_TOML), folder, observers=OBSERVERS)
    return folder


@pytest.fixture
def mosquitto(tmp_path: Path, center_secrets: Path) -> Iterator[Mosquitto]:
    """A real mosquitto on free ports, private to the test, secured as a center's (generated
    passwords, ACL and TLS); the site's devices and the tests' OBSERVERS can log in. It starts from
    a copy of `center_secrets`: `xephang credentials` keeps the secrets it finds and writes the
    rest (config, ACL, password file) for this Mosquitto's own ports and folder."""
    shutil.copytree(center_secrets, tmp_path / "mosquitto" / "credentials")
    server = Mosquitto(tmp_path / "mosquitto", load_config(SITE_TOML), observers=OBSERVERS).start()
    yield server
    server.stop()


@pytest.fixture
def probe(mosquitto: Mosquitto) -> Iterator[Probe]:
    client = Probe(mosquitto.access(OBSERVERS[0]))
    yield client
    client.close()


@pytest.fixture
def mock_pins() -> Iterator[object]:
    """gpiozero's mock pin factory, swapped in for the test and restored after."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    previous = Device.pin_factory
    Device.pin_factory = MockFactory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = previous


@pytest.fixture
def clock() -> FakeClock:
    """09:00 on a Monday in Hà Nội, until the test moves it."""
    return FakeClock()


@pytest.fixture
def broker(config: SiteConfig, mosquitto: Mosquitto, tmp_path: Path,
           probe: Probe) -> Iterator[BrokerRole]:
    """The queue server in the test's process, on MQTT only, its SQLite file in the test's folder."""
    with running_broker(config, mosquitto.access(BROKER_ID), tmp_path / "queue.db", probe) as role:
        yield role


@pytest.fixture
def web_broker(config: SiteConfig, mosquitto: Mosquitto, tmp_path: Path,
               probe: Probe) -> Iterator[BrokerRole]:
    """The queue server with its web pages on a free port."""
    with running_broker(config, mosquitto.access(BROKER_ID), tmp_path / "queue.db", probe,
                        http=True) as role:
        yield role


@pytest.fixture
def staff_broker(web_broker: BrokerRole) -> BrokerRole:
    """`web_broker` with one account per role (`staff_pages.ACCOUNTS`)."""
    add_accounts(web_broker)
    return web_broker


@pytest.fixture
def staff_url(staff_broker: BrokerRole) -> str:
    """Where `staff_broker` serves its pages."""
    assert staff_broker.http_url
    return staff_broker.http_url


@pytest.fixture
def devices(mosquitto: Mosquitto, topics: Topics) -> Iterator[Devices]:
    """What the manager's board knows of the devices, from their retained status on MQTT."""
    link = MqttLink(mosquitto.access(OBSERVERS[1]), persistent=False)
    found = Devices()
    found.attach(link, topics)
    link.start()
    assert link.wait_connected(10)
    yield found
    link.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright (`make test` installs the chromium package)."""
    from playwright.sync_api import expect, sync_playwright

    from harness.chromium import launch_chromium

    # `expect(...)` waits for what a page shows; Playwright's 5 s default is short for Chromium and
    # the servers sharing two loaded cores. A page that never shows it still fails, only later.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        instance = launch_chromium(playwright)
        yield instance
        instance.close()


@pytest.fixture
def screenshot_dir() -> Path:
    """Screenshots that browser tests save for a person to look at (`test-screenshots/`)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(autouse=True)
def _state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Roles keep their state (the kiosk's outbox) in the test's folder, never in /var/lib."""
    monkeypatch.setenv("XEPHANG_STATE_DIR", str(tmp_path / "state"))
    # This machine's own clock state is not the test's to choose (hardware/clock.py).
    monkeypatch.setenv("XEPHANG_CLOCK", "fake-synced")


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """A throwaway PostgreSQL 15 cluster for the whole run (harness/postgres.py), stopped after."""
    from harness.postgres import PostgresCluster

    cluster = PostgresCluster(durable=False).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def city_dsn(postgres: object) -> str:
    """The DSN of a fresh database of its own with the city schema (city/schema.sql) applied."""
    from harness.postgres import PostgresCluster

    assert isinstance(postgres, PostgresCluster)
    return postgres.new_database()
