"""Where things are: the repository, and the site file every test runs against."""

from __future__ import annotations

from pathlib import Path

from harness.role_process import SITE_TOML

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-screenshots"

__all__ = ["ROOT", "SCREENSHOTS", "SITE_TOML"]
