"""Driving a running center from outside, as its pages and staff do: shared by `tests/` and `bench/`.

- `event_stream`: a role's server-sent events (`/events`) as a page reads them.
- `web_session`: plain GET/POST, a signed-in staff or manager session, accounts to sign in with.
- `chromium`: Debian's Chromium, headless, as the browser tests and the display benchmark drive it.

Roles are started as processes with the product's own launcher, `xephang.launch` (what
`xephang demo` uses). Nothing here is deployed: it is the outside world's side of the center.
"""
