"""The queue database's tables. Times are ISO-8601 UTC strings, so they sort as text."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id           TEXT PRIMARY KEY,
    request_id   TEXT NOT NULL UNIQUE,
    day          TEXT NOT NULL,            -- the site's local date, YYYY-MM-DD
    service      TEXT NOT NULL,            -- the current service (a transfer changes it)
    seq          INTEGER NOT NULL,
    number       TEXT NOT NULL,            -- as printed; a transfer keeps it
    priority     TEXT NOT NULL DEFAULT 'none',
    source       TEXT NOT NULL DEFAULT 'button',
    origin       TEXT NOT NULL DEFAULT 'broker',   -- 'broker' or 'offline' (issued by a kiosk)
    kiosk        TEXT,
    id_hash      TEXT,
    booking_code TEXT,
    dossier_code TEXT,
    status       TEXT NOT NULL DEFAULT 'waiting',  -- waiting, called, done, no_show, returning,
                                                   -- cancelled, expired (its day ended)
    issued_at    TEXT NOT NULL,
    counter      INTEGER,
    called_at    TEXT,
    finished_at  TEXT,
    recalls      INTEGER NOT NULL DEFAULT 0,
    rating       TEXT,
    returned_at  TEXT,                      -- set when a citizen sent for a paper came back
    served_at    TEXT                       -- set when the staff started serving (Bắt đầu phục vụ)
);
-- Numbers the broker allocates are unique per day; offline numbers come from the kiosks' own blocks.
CREATE UNIQUE INDEX IF NOT EXISTS tickets_number ON tickets (day, number) WHERE origin = 'broker';
CREATE INDEX IF NOT EXISTS tickets_waiting ON tickets (status, service, issued_at);
-- Each kiosk's offline block is its own (config validates the blocks apart), so this never fires
-- for a well-formed site; it keeps two offline tickets from ever sharing a printed number.
CREATE UNIQUE INDEX IF NOT EXISTS tickets_offline_number ON tickets (day, number)
    WHERE origin = 'offline';
-- The newest ticket the broker issued: a clock earlier than it is wrong (no new day opens on it).
CREATE INDEX IF NOT EXISTS tickets_broker_issued ON tickets (issued_at) WHERE origin = 'broker';
CREATE INDEX IF NOT EXISTS tickets_id_hash ON tickets (id_hash) WHERE id_hash IS NOT NULL;
-- Every filter the queue and the statistics use, so their cost does not grow with history:
-- a day's tickets, and a service's latest completed tickets of a day (the service-time estimate).
CREATE INDEX IF NOT EXISTS tickets_day ON tickets (day);
CREATE INDEX IF NOT EXISTS tickets_done ON tickets (day, service, finished_at) WHERE status = 'done';
-- The ratings by dossier code (statistics): a year's range reads only the tickets that had one.
CREATE INDEX IF NOT EXISTS tickets_dossier ON tickets (day) WHERE dossier_code IS NOT NULL;

CREATE TABLE IF NOT EXISTS sequences (
    day     TEXT NOT NULL,
    service TEXT NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (day, service)
);

CREATE TABLE IF NOT EXISTS counters (
    id          INTEGER PRIMARY KEY,
    status      TEXT NOT NULL DEFAULT 'idle',
    ticket      TEXT REFERENCES tickets (id),
    last_ticket TEXT REFERENCES tickets (id),
    since       TEXT NOT NULL,
    closing     TEXT  -- a close waits for the current ticket: who asked ('' nobody); NULL none
);

CREATE TABLE IF NOT EXISTS request_replies (
    request_id TEXT PRIMARY KEY,
    reply      TEXT NOT NULL,
    at         TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS command_replies (
    command_id TEXT PRIMARY KEY,
    counter    INTEGER NOT NULL,
    reply      TEXT NOT NULL,
    at         TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    type    TEXT NOT NULL,
    ticket  TEXT,
    counter INTEGER,
    data    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS events_type ON events (type, seq);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE INDEX IF NOT EXISTS events_ticket ON events (ticket) WHERE ticket IS NOT NULL;

CREATE TABLE IF NOT EXISTS accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,              -- staff, manager, admin
    password_hash TEXT NOT NULL,              -- argon2id
    counter       INTEGER,                    -- a staff account's first (home) counter
    counters      TEXT NOT NULL DEFAULT '',   -- every counter it may operate: "1,5"
    active        INTEGER NOT NULL DEFAULT 1,
    generation    INTEGER NOT NULL DEFAULT 0, -- bumped on reset or disable: ends its sessions
    created_at    TEXT NOT NULL
);

-- Signed-in web sessions: the signed cookie names one by a random id, stored here as its SHA-256;
-- a sign-out deletes the row, so a copied cookie stops working on the server, not just in the browser.
CREATE TABLE IF NOT EXISTS sessions (
    id_digest  TEXT PRIMARY KEY,
    account    INTEGER NOT NULL REFERENCES accounts (id),
    started_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Services a manager assigned to a counter at run time, overriding the site file.
CREATE TABLE IF NOT EXISTS counter_services (
    counter  INTEGER PRIMARY KEY,
    services TEXT NOT NULL                  -- JSON list of service codes
);

-- A closed day's anonymous figures (broker/store/figures.py): statistics of closed days read
-- these, and they are all that retention leaves of a day. No ticket ids, hashes or addresses.
CREATE TABLE IF NOT EXISTS days_closed (
    day     TEXT PRIMARY KEY,               -- the site's local date
    at      TEXT NOT NULL,                  -- when its figures were written
    version INTEGER NOT NULL DEFAULT 1,     -- broker/store/figures.py FIGURES_VERSION when written
    reduced INTEGER NOT NULL DEFAULT 0      -- 1: retention deleted its tickets (figures alone left)
);
CREATE TABLE IF NOT EXISTS day_issued (
    day      TEXT NOT NULL,
    service  TEXT NOT NULL,                 -- the service it was issued for
    hour     INTEGER NOT NULL,              -- local hour of issue
    priority TEXT NOT NULL,
    offline  INTEGER NOT NULL,              -- 1: printed by a kiosk while the server was away
    count    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS day_issued_day ON day_issued (day);
CREATE TABLE IF NOT EXISTS day_visits (     -- one call of a ticket to a counter
    day         TEXT NOT NULL,
    service     TEXT NOT NULL,
    counter     INTEGER,
    account     TEXT NOT NULL,              -- the staff account that called (or the button)
    priority    TEXT NOT NULL,
    called_hour INTEGER NOT NULL,
    ended_hour  INTEGER,
    outcome     TEXT,                       -- done, no_show, transferred, returning, expired
    wait_s      REAL NOT NULL,
    service_s   REAL                        -- call to done, for visits that ended done
);
CREATE INDEX IF NOT EXISTS day_visits_day ON day_visits (day);
CREATE TABLE IF NOT EXISTS day_ratings (
    day     TEXT NOT NULL,
    service TEXT NOT NULL,
    counter INTEGER,
    rating  TEXT NOT NULL,
    count   INTEGER NOT NULL,
    account TEXT                            -- the official who served (NULL: written before v2)
);
CREATE INDEX IF NOT EXISTS day_ratings_day ON day_ratings (day);
CREATE TABLE IF NOT EXISTS day_flows (      -- how tickets entered and left a service's line
    day     TEXT NOT NULL,
    service TEXT NOT NULL,
    kind    TEXT NOT NULL,                  -- transferred_in, returned, waiting, cancelled, expired
    count   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS day_flows_day ON day_flows (day);
CREATE TABLE IF NOT EXISTS device_troubles (  -- a device's open incident (broker/devices.py)
    device  TEXT NOT NULL,
    problem TEXT NOT NULL,                  -- a protocol DeviceProblem word
    since   TEXT NOT NULL,                  -- when the trouble began
    PRIMARY KEY (device, problem)
);
"""

# Columns added after a database was first created; each applied once if missing.
MIGRATIONS = (("tickets", "returned_at", "TEXT"), ("tickets", "served_at", "TEXT"),
              ("accounts", "counters", "TEXT NOT NULL DEFAULT ''"),
              ("days_closed", "version", "INTEGER NOT NULL DEFAULT 1"),
              ("day_ratings", "account", "TEXT"), ("counters", "closing", "TEXT"),
              ("days_closed", "reduced", "INTEGER NOT NULL DEFAULT 0"))
