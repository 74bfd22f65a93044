-- The city board's own tables, beside the aggregator's (city_events, centers, center_marks).
-- Applied by the board when it starts; every statement may run again.

-- The city's IT office: who may open the board (argon2id hashes; `generation` bumped by a reset
-- or a lock ends every session signed in before it).
CREATE TABLE IF NOT EXISTS board_accounts (
    id            bigserial PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    name          text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    generation    integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- A signed-in browser (the cookie holds its id, this table its digest): a sign-out ends it here.
CREATE TABLE IF NOT EXISTS board_sessions (
    digest     text PRIMARY KEY,
    account    bigint NOT NULL REFERENCES board_accounts (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);

-- Sign-ins, sign-outs and refused sign-ins: who, from where, when.
CREATE TABLE IF NOT EXISTS board_signins (
    at       timestamptz NOT NULL DEFAULT now(),
    username text NOT NULL,
    address  text NOT NULL DEFAULT '',
    outcome  text NOT NULL
);

CREATE TABLE IF NOT EXISTS board_settings (key text PRIMARY KEY, value text NOT NULL);

-- One center's closed day, summed from its events (city/board/rollup.py): the board's reports and
-- comparisons read these, never a month of raw events. `total` holds the whole day's figures,
-- `detail` the same per service, hour and counter.
CREATE TABLE IF NOT EXISTS city_days (
    site     text NOT NULL,
    day      date NOT NULL,
    events   integer NOT NULL,
    total    jsonb NOT NULL,
    detail   jsonb NOT NULL,
    built_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, day)
);
CREATE INDEX IF NOT EXISTS city_days_day ON city_days (day);

-- How far each center's events had come when its closed days were last rebuilt: events that
-- arrive later for an older day (a center back after days offline) rebuild those days.
CREATE TABLE IF NOT EXISTS city_day_marks (
    site         text PRIMARY KEY,
    seen_last_at timestamptz NOT NULL
);

-- How far each center database's events (site, epoch) were looked at for the closed days: an event
-- acknowledged since then and dated before the day it was looked on (a ticket a kiosk printed
-- offline and synced late, dated when it was printed; a center back after days offline) has its
-- day's rollup built again (city/board/rollup.py). A board older than this table looked at every
-- event up to the marks of the moment it is made (the days before were built from them then).
CREATE TABLE IF NOT EXISTS city_rolled_marks (
    site  text NOT NULL,
    epoch uuid NOT NULL,
    seq   bigint NOT NULL,
    PRIMARY KEY (site, epoch)
);
INSERT INTO city_rolled_marks (site, epoch, seq)
SELECT site, epoch, acked_seq FROM center_marks
WHERE NOT EXISTS (SELECT 1 FROM city_rolled_marks);
