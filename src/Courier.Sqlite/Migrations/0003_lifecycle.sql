-- Versions that supersede, and takedown.
-- A video's content is compared with its newest version only, so one fingerprint may name several versions (a rollback
-- is a version of its own). A version is a publish or a removal (action); a delivery pushes or removes (operation); a
-- rendition row of a publish version may stand for a rendition an older version had and this one dropped (operation
-- remove: its files are taken away). Deliveries can now end superseded (a newer version was committed for the target
-- first) or removed (a removal done and proven). One delivery per rendition, target and operation of a version.
-- delivery_files lists what each push put at its target, for orphans and takedown.
-- A UNIQUE or CHECK constraint cannot be changed in place: video_versions and deliveries are rebuilt (create the new
-- table, copy, drop the old one, rename, make the indexes again). The migration runs with foreign keys off and checks
-- them all before it commits.

CREATE TABLE video_versions_new (
    video_id        TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    fingerprint     TEXT    NOT NULL,
    action          TEXT    NOT NULL DEFAULT 'push' CHECK (action IN ('push', 'remove')),
    submitted_at    INTEGER NOT NULL,
    distributed_at  INTEGER,
    failed_at       INTEGER,
    PRIMARY KEY (video_id, version)
);
INSERT INTO video_versions_new (video_id, version, fingerprint, submitted_at, distributed_at, failed_at)
SELECT video_id, version, fingerprint, submitted_at, distributed_at, failed_at FROM video_versions;
DROP TABLE video_versions;
ALTER TABLE video_versions_new RENAME TO video_versions;
CREATE INDEX video_versions_submitted ON video_versions (submitted_at);
CREATE INDEX video_versions_distributed ON video_versions (distributed_at) WHERE distributed_at IS NOT NULL;

ALTER TABLE renditions ADD COLUMN operation TEXT NOT NULL DEFAULT 'push' CHECK (operation IN ('push', 'remove'));

CREATE TABLE deliveries_new (
    id                  TEXT    NOT NULL PRIMARY KEY,
    video_id            TEXT    NOT NULL,
    version             INTEGER NOT NULL,
    rendition           TEXT    NOT NULL,
    target              TEXT    NOT NULL,
    operation           TEXT    NOT NULL DEFAULT 'push' CHECK (operation IN ('push', 'remove')),
    state               TEXT    NOT NULL CHECK (state IN ('in_flight', 'queued', 'delivered', 'dead', 'superseded', 'removed')),
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
INSERT INTO deliveries_new (id, video_id, version, rendition, target, state, attempts, last_error, error_kind, next_attempt_at,
                            lease_owner, lease_token, resubmitted, bytes, sha256, last_duration_ms, created_at, updated_at,
                            delivered_at, deadline_missed_at)
SELECT id, video_id, version, rendition, target, state, attempts, last_error, error_kind, next_attempt_at,
       lease_owner, lease_token, resubmitted, bytes, sha256, last_duration_ms, created_at, updated_at,
       delivered_at, deadline_missed_at
FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;

-- The failure queue: claiming due work walks only the due part of this index, O(due rows), not O(queue).
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'queued';
-- Work held by nodes: reclaim and release touch only in-flight rows.
CREATE INDEX deliveries_in_flight ON deliveries (lease_owner) WHERE state = 'in_flight';
-- Queue pages, dead letters by target, tallies by target and state.
CREATE INDEX deliveries_state_target ON deliveries (state, target, updated_at);
-- Deadline flagging looks only at work still to do that is not flagged yet.
CREATE INDEX deliveries_deadline ON deliveries (created_at)
    WHERE state NOT IN ('delivered', 'superseded', 'removed') AND deadline_missed_at IS NULL;
-- The claim rules look at the other deliveries of the same video and target (a newer version, a held lease, the pushes
-- of the same version): this index keeps each look a short range, so claiming stays O(due rows).
CREATE INDEX deliveries_video_target ON deliveries (video_id, target, version);
-- Superseded deliveries whose node has not let go yet: few, read by the claim rules, reclaim and release.
CREATE INDEX deliveries_superseded_leases ON deliveries (video_id, target) WHERE state = 'superseded' AND lease_token IS NOT NULL;

CREATE TABLE delivery_files (
    delivery_id  TEXT    NOT NULL REFERENCES deliveries (id),
    key          TEXT    NOT NULL,
    bytes        INTEGER NOT NULL,
    sha256       TEXT,
    PRIMARY KEY (delivery_id, key)
) WITHOUT ROWID;
