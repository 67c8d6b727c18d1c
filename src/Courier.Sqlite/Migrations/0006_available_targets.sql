-- Where an ingested version is available: its multivariant playlist published at a target and video.available written
-- for it. Unlike the event (pruned with the outbox), the row stays, so a version is announced once per target for good.
CREATE TABLE available_targets (
    video_id     TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    target       TEXT    NOT NULL,
    delivery_id  TEXT    NOT NULL,
    available_at INTEGER NOT NULL,
    PRIMARY KEY (video_id, version, target)
);
INSERT INTO available_targets (video_id, version, target, delivery_id, available_at)
SELECT e.video_id, e.version, d.target, min(e.delivery_id), min(e.created_at)
FROM events e JOIN deliveries d ON d.id = e.delivery_id
WHERE e.type = 'video.available'
GROUP BY e.video_id, e.version, d.target;

-- When nothing is left to publish for an ingested version (Unix milliseconds): it is available at every target it was
-- committed for, or no longer the video's newest version. Until then it is pending, and the recovery pass
-- (MasterPublisher.RecoverAsync) publishes what a crash between the last delivery and the playlist left unpublished;
-- it reads only the pending versions, through this partial index.
ALTER TABLE video_versions ADD COLUMN available_settled_at INTEGER;
CREATE INDEX video_versions_available_pending ON video_versions (video_id, version)
    WHERE ingest_started_at IS NOT NULL AND available_settled_at IS NULL;
