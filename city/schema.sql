-- The city's PostgreSQL database (PostgreSQL 15): every center's uplink events, stored once.
-- Applied by `city.database.apply_schema` at every start of `xephang city` (idempotent). Monthly
-- partitions of city_events are made by the aggregator as events arrive (city/database.py).

-- The centers the city knows, from city.toml's [[centers]] (rewritten at every start).
CREATE TABLE IF NOT EXISTS centers (
    site        text PRIMARY KEY,              -- the center's site id (its topic root xephang/v1/{site})
    name        text NOT NULL,                 -- Vietnamese name, as shown on the board
    district    text NOT NULL DEFAULT '',      -- quận/huyện or the ward's parent unit
    address     text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per event of a center's database, exactly once. `epoch` names the center's database (a
-- re-imaged center starts again at seq 1 in a new epoch). Partitioned by month of `at`, so the
-- unique key must contain `at`: a center sends an event again with the very `at` it stored, so
-- (site, epoch, seq, at) is the event; and nothing at or below a (site, epoch)'s acknowledged mark is
-- inserted again whatever it carries (the aggregator drops those rows before inserting).
CREATE TABLE IF NOT EXISTS city_events (
    site         text NOT NULL,
    epoch        uuid NOT NULL,
    seq          bigint NOT NULL CHECK (seq >= 1),
    at           timestamptz NOT NULL,        -- when it happened (the center's clock)
    type         text NOT NULL,               -- ticket_issued, ticket_called, ticket_done, …
    service      text,                        -- service code
    counter      integer,
    priority     text,                        -- none/elderly/disabled/pregnant/merit/appointment
    wait_s       integer,                     -- on ticket_called: seconds waited
    service_s    integer,                     -- on ticket_done: seconds served
    rating       text,                        -- very_satisfied/satisfied/unsatisfied (ticket_rated)
    account      text,                        -- the staff account id (never a citizen's data)
    received_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site, epoch, seq, at)
) PARTITION BY RANGE (at);

-- The board: one center's days (site, at range) — every query of city/board reads by center.
-- No (type, at) index: no query used it, and it cost a fifth of each batch's insert.
CREATE INDEX IF NOT EXISTS city_events_site_at ON city_events (site, at);
DROP INDEX IF EXISTS city_events_type_at;

-- What the city has acknowledged to each center's database: every seq up to acked_seq is stored
-- (contiguous; events above a gap wait for the center to send the gap again).
CREATE TABLE IF NOT EXISTS center_marks (
    site              text NOT NULL,
    epoch             uuid NOT NULL,
    acked_seq         bigint NOT NULL DEFAULT 0 CHECK (acked_seq >= 0),
    last_event_at     timestamptz,            -- the newest `at` stored for this epoch
    last_received_at  timestamptz,            -- when the aggregator last stored one of its events
    PRIMARY KEY (site, epoch)
);
CREATE INDEX IF NOT EXISTS center_marks_fresh ON center_marks (site, last_received_at DESC);

-- Devices in trouble (issue: a device's trouble is recorded and the city sees it). The events
-- `device_problem` / `device_ok` carry which device, what kind of trouble (xephang/protocol.py
-- DeviceProblem) and since / until when; added to databases made before them.
ALTER TABLE city_events ADD COLUMN IF NOT EXISTS device text;
ALTER TABLE city_events ADD COLUMN IF NOT EXISTS problem text;
ALTER TABLE city_events ADD COLUMN IF NOT EXISTS since timestamptz;
ALTER TABLE city_events ADD COLUMN IF NOT EXISTS until timestamptz;

-- One row per incident, written by the aggregator in the batch's transaction from those events:
-- a `device_problem` opens it, the `device_ok` naming the same start (`since`) ends it, in whichever
-- order they arrive; stored again, they change nothing.
CREATE TABLE IF NOT EXISTS device_incidents (
    site        text NOT NULL,
    epoch       uuid NOT NULL,
    device      text NOT NULL,                -- the center's device id (kiosk-1, hall-1, …)
    problem     text NOT NULL,                -- offline, paper_out, printer_offline, camera_unavailable, …
    started_at  timestamptz NOT NULL,         -- when the trouble began (the center's clock)
    ended_at    timestamptz,                  -- when the device was fine again; NULL: still in trouble
    PRIMARY KEY (site, epoch, device, problem, started_at)
);
CREATE INDEX IF NOT EXISTS device_incidents_site_started ON device_incidents (site, started_at);
CREATE INDEX IF NOT EXISTS device_incidents_open ON device_incidents (site) WHERE ended_at IS NULL;
