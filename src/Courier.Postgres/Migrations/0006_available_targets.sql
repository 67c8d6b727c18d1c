-- Where an ingested version is available: its multivariant playlist published at a target and video.available written
-- for it. Unlike the event (pruned with the outbox), the row stays, so a version is announced once per target for good.
CREATE TABLE available_targets (
    video_id     text        NOT NULL,
    version      integer     NOT NULL,
    target       text        NOT NULL,
    delivery_id  uuid        NOT NULL,
    available_at timestamptz NOT NULL,
    PRIMARY KEY (video_id, version, target)
);
INSERT INTO available_targets (video_id, version, target, delivery_id, available_at)
SELECT DISTINCT ON (e.video_id, e.version, d.target) e.video_id, e.version, d.target, e.delivery_id, e.created_at
FROM events e JOIN deliveries d ON d.id = e.delivery_id
WHERE e.type = 'video.available'
ORDER BY e.video_id, e.version, d.target, e.id;

-- When nothing is left to publish for an ingested version: it is available at every target it was committed for, or no
-- longer the video's newest version. Until then it is pending, and the recovery pass (MasterPublisher.RecoverAsync)
-- publishes what a crash between the last delivery and the playlist left unpublished; it reads only the pending
-- versions, through this partial index.
ALTER TABLE video_versions ADD COLUMN available_settled_at timestamptz NULL;
CREATE INDEX video_versions_available_pending ON video_versions (video_id, version)
    WHERE ingest_started_at IS NOT NULL AND available_settled_at IS NULL;
