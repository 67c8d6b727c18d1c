-- Courier's embedded store, first schema.
-- Times are integer unix milliseconds (UTC), so ordering and range queries use plain indexes.
-- States and modes are the snake_case words of DESIGN.md: in_flight, queued, delivered, dead; sync, async, manual.

CREATE TABLE videos (
    video_id        TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    fingerprint     TEXT    NOT NULL,
    submitted_at    INTEGER NOT NULL,
    distributed_at  INTEGER,
    failed_at       INTEGER,
    PRIMARY KEY (video_id, version),
    UNIQUE (video_id, fingerprint)
);

-- Newest first for the dashboard, and the most recent distributed versions for time-to-distributed.
CREATE INDEX videos_submitted ON videos (submitted_at);
CREATE INDEX videos_distributed ON videos (distributed_at) WHERE distributed_at IS NOT NULL;

CREATE TABLE renditions (
    video_id     TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    source_path  TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('file', 'package')),
    fingerprint  TEXT    NOT NULL,
    bytes        INTEGER NOT NULL,
    file_count   INTEGER NOT NULL,
    PRIMARY KEY (video_id, version, name),
    FOREIGN KEY (video_id, version) REFERENCES videos (video_id, version)
);

CREATE TABLE deliveries (
    id                  TEXT    NOT NULL PRIMARY KEY,
    video_id            TEXT    NOT NULL,
    version             INTEGER NOT NULL,
    rendition           TEXT    NOT NULL,
    target              TEXT    NOT NULL,
    state               TEXT    NOT NULL CHECK (state IN ('in_flight', 'queued', 'delivered', 'dead')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    error_kind          TEXT,
    next_attempt_at     INTEGER,
    lease_owner         TEXT,
    lease_token         TEXT,
    resubmitted         INTEGER NOT NULL DEFAULT 0,
    bytes               INTEGER,
    sha256              TEXT,
    last_duration_ms    INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    delivered_at        INTEGER,
    deadline_missed_at  INTEGER,
    UNIQUE (video_id, version, rendition, target),
    FOREIGN KEY (video_id, version, rendition) REFERENCES renditions (video_id, version, name)
);

-- The failure queue: claiming due work walks only the due part of this index, O(due rows), not O(queue).
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'queued';
-- Work held by nodes: reclaim and release touch only in-flight rows.
CREATE INDEX deliveries_in_flight ON deliveries (lease_owner) WHERE state = 'in_flight';
-- Queue pages, dead letters by target, tallies by target and state.
CREATE INDEX deliveries_state_target ON deliveries (state, target, updated_at);
-- Deadline flagging looks only at deliveries not delivered and not flagged yet.
CREATE INDEX deliveries_deadline ON deliveries (created_at) WHERE state <> 'delivered' AND deadline_missed_at IS NULL;

-- The ledger: one row per try.
CREATE TABLE attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id  TEXT    NOT NULL REFERENCES deliveries (id),
    target       TEXT    NOT NULL,
    mode         TEXT    NOT NULL CHECK (mode IN ('sync', 'async', 'manual')),
    succeeded    INTEGER NOT NULL,
    error        TEXT,
    error_kind   TEXT,
    bytes        INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    node_id      TEXT    NOT NULL
);

CREATE INDEX attempts_started ON attempts (started_at);
CREATE INDEX attempts_delivery ON attempts (delivery_id);

-- Attempts folded in by retention, so statistics stay whole after old attempts are deleted.
CREATE TABLE attempt_totals (
    mode       TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    succeeded  INTEGER NOT NULL,
    failed     INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    PRIMARY KEY (mode, target)
);

CREATE TABLE nodes (
    node_id       TEXT    NOT NULL PRIMARY KEY,
    heartbeat_at  INTEGER NOT NULL
);

-- The outbox: written in the transaction of the change that caused each event.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    type         TEXT    NOT NULL,
    video_id     TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    delivery_id  TEXT,
    created_at   INTEGER NOT NULL
);

CREATE INDEX events_created ON events (created_at);

-- Event consumers (webhooks): progress and a lease, so one node at a time sends.
CREATE TABLE consumers (
    consumer         TEXT    NOT NULL PRIMARY KEY,
    position         INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    last_error       TEXT,
    lease_owner      TEXT,
    lease_until      INTEGER
);
