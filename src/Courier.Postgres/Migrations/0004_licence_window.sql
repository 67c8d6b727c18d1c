-- Licence windows.
-- A version may carry a licence window (available_from, available_until; null for none). Its deliveries wait as
-- 'scheduled' until available_from (next_attempt_at holds that time); they are not in the failure queue and are not
-- failures. When the window opens they become 'queued', due at once; when it closes the video is taken down.

ALTER TABLE video_versions ADD COLUMN available_from timestamptz NULL;
ALTER TABLE video_versions ADD COLUMN available_until timestamptz NULL;
-- When the ingest that made a version started (null when it was not ingested), for the statistics: time from ingest
-- start to the first rendition delivered at a target, and to video.available there.
ALTER TABLE video_versions ADD COLUMN ingest_started_at timestamptz NULL;

ALTER TABLE deliveries DROP CONSTRAINT deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check
    CHECK (state IN ('in_flight', 'queued', 'delivered', 'dead', 'superseded', 'removed', 'scheduled'));

-- Deadline flagging looks only at work still to do that is not flagged yet (scheduled work is not due yet).
DROP INDEX deliveries_deadline;
CREATE INDEX deliveries_deadline ON deliveries (created_at)
    WHERE state NOT IN ('delivered', 'superseded', 'removed', 'scheduled') AND deadline_missed_at IS NULL;
-- Windows that open: the scheduled deliveries, by the time they become due.
CREATE INDEX deliveries_scheduled ON deliveries (next_attempt_at) WHERE state = 'scheduled';
-- Windows that close: the versions with an end, by that end.
CREATE INDEX video_versions_available_until ON video_versions (available_until) WHERE available_until IS NOT NULL;
