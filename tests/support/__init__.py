"""What the tests share besides `harness/` (which the benchmarks share too): one of each kind of
helper, so that a new test reuses rather than copies.

- `paths`: the repository's folders and the site file the tests run against.
- `fake_clock`: time that moves only when the test moves it (wall clock and monotonic seconds).
- `broker`: a broker in the test's process, a kiosk's ticket request, a counter's command.
- `queue`: the queue's rules in the test's process, without MQTT (issue a ticket, a counter's command).
- `staff_pages`: accounts for the staff and manager pages, signing in with a browser, what is stored.
- `kiosk`: the kiosk's page events, a queue server played by the test, a press on a mock button,
  and the kiosk's rules driven without MQTT or GPIO.
- `display`: the broker's messages the displays are shown, and a counter unit started as in production.
- `locked_mosquitto`: a mosquitto that lets in only the users of its password file.
- `notify_socket`: a notify socket of the test's own, judging a role as systemd's watchdog does.
- `systemd_units`: `systemd-analyze verify` over the units in `systemd/`.

Fixtures built from these (mosquitto, probe, clock, broker, web_broker, staff_broker, devices, browser…) live
in `tests/conftest.py`. Modules here hold no tests; only `tests/test_*.py` do.
"""
