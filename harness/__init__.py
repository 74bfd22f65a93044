"""Driving a running center from outside, as its devices, pages and staff do; shared by `tests/` and
`bench/` (the benchmarks import nothing from `tests/`). Nothing here is deployed.

- `role_process`: a role as its own `xephang` process on a free port, with mock pins; the product's
  own launcher (`xephang.launch`, what `xephang demo` uses) underneath.
- `mqtt_probe`: an MQTT client that publishes like a device and waits for what arrives.
- `event_stream`: a role's server-sent events (`/events`) as a page reads them.
- `web_session`: plain GET/POST, a signed-in staff or manager session, accounts to sign in with.
- `chromium`: Debian's Chromium, headless, as the browser tests and the display benchmark drive it.
- `hall_burst`: a busy morning played against real processes (checked by a test, timed by a bench).
"""
