"""What the tests share: one of each kind of helper, so a new test reuses rather than copies.

- `paths`: the repository's folders and the site file the tests run against.
- `mqtt_probe`: the test's own MQTT client (publish like a device, wait for what arrives).
- `role_process`: a role (`xephang broker|kiosk|display …`) as its own process.
- `event_stream`: a page's view of a role's server-sent events (`/events`).
- `web_client`: plain HTTP calls, and a signed-in staff session (cookie + CSRF token).
- `fake_clock`: time that moves only when the test moves it.
- `broker`: a broker in the test's process, a kiosk's ticket request, a counter's command.
- `staff_pages`: accounts for the staff and manager pages, and signing in with a browser.
- `kiosk`: the kiosk's page events, a fake queue server, pressing a mock button.

Fixtures built from these live in `tests/conftest.py`.
"""
