# xephang — `make demo` runs a whole center on this machine, `make test` runs the test suite.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: install system-deps test-deps demo demo-city test lint typecheck bench bundle clean

install: system-deps $(STAMP)

# Mosquitto, fonts, venv; the hall display's voice (espeak-ng, sox, aplay) for the demo and tests.
system-deps:
	@bash scripts/install-system-deps.sh display

# Browser tests drive Debian's Chromium (never a downloaded browser build); unit tests systemd-analyze;
# the city tier's tests start their own PostgreSQL and RabbitMQ (never the system's services).
test-deps:
	@bash scripts/install-system-deps.sh chromium display systemd city

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[all]'
	touch $(STAMP)

demo: install
	$(BIN)/xephang demo --config config/site.toml

# Three centers and the city above them (PostgreSQL, the city's Mosquitto, aggregator and board).
demo-city: install
	@bash scripts/install-system-deps.sh city
	$(BIN)/xephang demo --city --config config/site.toml --history-days 20

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

test: install test-deps lint typecheck
	$(BIN)/pytest

bench: install test-deps
	$(BIN)/python bench/call_latency.py
	$(BIN)/python bench/display_latency.py
	$(BIN)/python bench/kiosk_print.py
	$(BIN)/python bench/routing.py --hard
	$(BIN)/python bench/forecast.py
	$(BIN)/python bench/plan.py
	$(BIN)/python bench/qr_decoders.py
	$(BIN)/python bench/city.py
	$(BIN)/pytest -m fault_injection

# The offline installer for the Pis (systemd/README.md): wheels for Raspberry Pi OS 64-bit (Python 3.11
# and 3.13), arm64 Debian packages for Bookworm and Trixie, units, install script. SITE=DIR adds the
# center's site.toml and `xephang credentials` output. Downloads from PyPI and Debian: not in `make test`.
SITE ?=
bundle: install
	@bash scripts/install-system-deps.sh bundle
	PYTHON=$(BIN)/python bash scripts/build-bundle.sh --arch aarch64 $(if $(SITE),--site $(SITE))

clean:
	rm -rf $(VENV) dist demo-run demo-city-run .pytest_cache .mypy_cache .ruff_cache *.egg-info
