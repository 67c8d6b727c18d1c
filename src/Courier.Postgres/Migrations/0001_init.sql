-- Courier's PostgreSQL schema, version 1. Applied once, under an advisory lock, in the schema named by the store's
-- options (search_path). Times are timestamptz, written by the caller's clock (the store never reads the database clock
-- for domain times).

CREATE TABLE video_versions (
    video_id            text        NOT NULL,
    version             integer     NOT NULL,
    fingerprint         text        NOT NULL,
    submitted_at        timestamptz NOT NULL,
    distributed_at      timestamptz NULL,
    -- Deliveries of this version not delivered yet, kept by the statements that change them (row-locked, so exact under
    -- concurrency): the completion that brings it to 0 is the one that writes video.distributed.
    undelivered         integer     NOT NULL DEFAULT 0 CHECK (undelivered >= 0),
    -- Dead outcomes so far: the first writes video.failed (once per version).
    deaths              integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (video_id, version),
    UNIQUE (video_id, fingerprint)
);
CREATE INDEX video_versions_submitted ON video_versions (submitted_at DESC, video_id, version);
CREATE INDEX video_versions_distributed ON video_versions (distributed_at DESC) WHERE distributed_at IS NOT NULL;

CREATE TABLE renditions (
    video_id      text     NOT NULL,
    version       integer  NOT NULL,
    name          text     NOT NULL,
    ordinal       integer  NOT NULL,
    source_path   text     NOT NULL,
    kind          text     NOT NULL CHECK (kind IN ('file', 'package')),
    fingerprint   text     NOT NULL,
    bytes         bigint   NOT NULL,
    file_count    integer  NOT NULL,
    PRIMARY KEY (video_id, version, name),
    FOREIGN KEY (video_id, version) REFERENCES video_versions (video_id, version) ON DELETE CASCADE
);

CREATE TABLE deliveries (
    id                uuid        PRIMARY KEY,
    video_id          text        NOT NULL,
    version           integer     NOT NULL,
    rendition         text        NOT NULL,
    target            text        NOT NULL,
    state             text        NOT NULL CHECK (state IN ('in_flight', 'queued', 'delivered', 'dead')),
    attempts          integer     NOT NULL DEFAULT 0,
    last_error        text        NULL,
    error_kind        text        NULL,
    next_attempt_at   timestamptz NULL,
    owner_node        text        NULL,
    lease_token       uuid        NULL,
    resubmitted       boolean     NOT NULL DEFAULT false,
    bytes             bigint      NULL,
    sha256            text        NULL,
    last_duration_ms  bigint      NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    delivered_at      timestamptz NULL,
    deadline_missed   boolean     NOT NULL DEFAULT false,
    UNIQUE (video_id, version, rendition, target),
    FOREIGN KEY (video_id, version, rendition) REFERENCES renditions (video_id, version, name) ON DELETE CASCADE,
    CHECK ((state = 'in_flight') = (lease_token IS NOT NULL))
);
-- Claiming reads only the due part of the failure queue: O(due rows), however long the queue is.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX deliveries_queued_by_target ON deliveries (target, next_attempt_at) WHERE state = 'queued';
CREATE INDEX deliveries_in_flight ON deliveries (owner_node) WHERE state = 'in_flight';
CREATE INDEX deliveries_dead ON deliveries (updated_at, id) WHERE state = 'dead';
CREATE INDEX deliveries_deadline ON deliveries (created_at) WHERE state <> 'delivered' AND NOT deadline_missed;

CREATE TABLE attempts (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  uuid        NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    target       text        NOT NULL,
    mode         text        NOT NULL CHECK (mode IN ('sync', 'async', 'manual')),
    succeeded    boolean     NOT NULL,
    error        text        NULL,
    error_kind   text        NULL,
    bytes        bigint      NOT NULL,
    duration_ms  bigint      NOT NULL,
    started_at   timestamptz NOT NULL,
    node_id      text        NOT NULL
);
CREATE INDEX attempts_started ON attempts (started_at);
CREATE INDEX attempts_delivery ON attempts (delivery_id);

-- Attempts folded in by retention, so statistics stay whole after old attempts are deleted.
CREATE TABLE attempt_totals (
    mode       text   NOT NULL,
    target     text   NOT NULL,
    succeeded  bigint NOT NULL,
    failed     bigint NOT NULL,
    bytes      bigint NOT NULL,
    PRIMARY KEY (mode, target)
);

CREATE TABLE nodes (
    node_id       text        PRIMARY KEY,
    heartbeat_at  timestamptz NOT NULL
);

-- The durable outbox. Writers take an advisory lock before inserting, held to commit, so ids become visible in order
-- and a reader that moves its position past an id never misses a lower one committed later.
CREATE TABLE events (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type         text        NOT NULL,
    video_id     text        NOT NULL,
    version      integer     NOT NULL,
    delivery_id  uuid        NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX events_created ON events (created_at);

CREATE TABLE event_consumers (
    consumer         text        PRIMARY KEY,
    position         bigint      NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NULL,
    last_error       text        NULL,
    lease_node       text        NULL,
    lease_until      timestamptz NULL
);
