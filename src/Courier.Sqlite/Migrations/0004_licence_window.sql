-- Licence windows.
-- A version may carry a licence window (available_from, available_until: Unix milliseconds, or null for none). Its
-- deliveries wait as 'scheduled' until available_from (next_attempt_at holds that time); they are not in the failure
-- queue and are not failures. When the window opens they become 'queued', due at once; when it closes the video is
-- taken down. The state CHECK cannot be changed in place: deliveries is rebuilt (create, copy, drop, rename, indexes
-- again), as in 0003; the migration runs with foreign keys off and checks them all before it commits.

ALTER TABLE video_versions ADD COLUMN available_from INTEGER;
ALTER TABLE video_versions ADD COLUMN available_until INTEGER;
-- When the ingest that made a version started (Unix milliseconds; null when it was not ingested), for the statistics:
-- time from ingest start to the first rendition delivered at a target, and to video.available there.
ALTER TABLE video_versions ADD COLUMN ingest_started_at INTEGER;

CREATE TABLE deliveries_new (
    id                  TEXT    NOT NULL PRIMARY KEY,
    video_id            TEXT    NOT NULL,
    version             INTEGER NOT NULL,
    rendition           TEXT    NOT NULL,
    target              TEXT    NOT NULL,
    operation           TEXT    NOT NULL DEFAULT 'push' CHECK (operation IN ('push', 'remove')),
    state               TEXT    NOT NULL CHECK (state IN ('in_flight', 'queued', 'delivered', 'dead', 'superseded', 'removed', 'scheduled')),
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
    UNIQUE (video_id, version, rendition, target, operation),
    FOREIGN KEY (video_id, version, rendition) REFERENCES renditions (video_id, version, name)
);
INSERT INTO deliveries_new (id, video_id, version, rendition, target, operation, state, attempts, last_error, error_kind,
                            next_attempt_at, lease_owner, lease_token, resubmitted, bytes, sha256, last_duration_ms,
                            created_at, updated_at, delivered_at, deadline_missed_at)
SELECT id, video_id, version, rendition, target, operation, state, attempts, last_error, error_kind,
       next_attempt_at, lease_owner, lease_token, resubmitted, bytes, sha256, last_duration_ms,
       created_at, updated_at, delivered_at, deadline_missed_at
FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;

-- The failure queue: claiming due work walks only the due part of this index, O(due rows), not O(queue).
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'queued';
-- Work held by nodes: reclaim and release touch only in-flight rows.
CREATE INDEX deliveries_in_flight ON deliveries (lease_owner) WHERE state = 'in_flight';
-- Queue pages, dead letters by target, tallies by target and state.
CREATE INDEX deliveries_state_target ON deliveries (state, target, updated_at);
-- Deadline flagging looks only at work still to do that is not flagged yet (scheduled work is not due yet).
CREATE INDEX deliveries_deadline ON deliveries (created_at)
    WHERE state NOT IN ('delivered', 'superseded', 'removed', 'scheduled') AND deadline_missed_at IS NULL;
-- The claim rules look at the other deliveries of the same video and target.
CREATE INDEX deliveries_video_target ON deliveries (video_id, target, version);
-- Superseded deliveries whose node has not let go yet: few, read by the claim rules, reclaim and release.
CREATE INDEX deliveries_superseded_leases ON deliveries (video_id, target) WHERE state = 'superseded' AND lease_token IS NOT NULL;
-- Windows that open: the scheduled deliveries, by the time they become due.
CREATE INDEX deliveries_scheduled ON deliveries (next_attempt_at) WHERE state = 'scheduled';
-- Windows that close: the versions with an end, by that end.
CREATE INDEX video_versions_available_until ON video_versions (available_until) WHERE available_until IS NOT NULL;
