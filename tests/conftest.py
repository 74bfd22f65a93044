from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.probe import Probe
from xephang.config import SiteConfig, load_config
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

ROOT = Path(__file__).resolve().parent.parent
SITE_TOML = ROOT / "config" / "site.toml"


@pytest.fixture
def config() -> SiteConfig:
    return load_config(SITE_TOML)


@pytest.fixture
def topics(config: SiteConfig) -> Topics:
    return Topics(config.site.id)


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """A real mosquitto on a free port, private to the test."""
    server = Mosquitto(tmp_path / "mosquitto").start()
    yield server
    server.stop()


@pytest.fixture
def probe(mosquitto: Mosquitto) -> Iterator[Probe]:
    client = Probe(mosquitto.url)
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


CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = ROOT / "test-screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright (`make test` installs the chromium package)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                              args=CHROMIUM_ARGS)
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
