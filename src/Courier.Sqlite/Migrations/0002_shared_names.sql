-- One vocabulary with the PostgreSQL store: the table of video versions is video_versions, the event consumers' table is
-- event_consumers (its lease holder is lease_owner, as on deliveries). Renaming a table keeps its rows and rewrites the
-- foreign keys that point at it; indexes keep their names, so the two on video versions are made again under the new name.

ALTER TABLE videos RENAME TO video_versions;
DROP INDEX videos_submitted;
DROP INDEX videos_distributed;
CREATE INDEX video_versions_submitted ON video_versions (submitted_at);
CREATE INDEX video_versions_distributed ON video_versions (distributed_at) WHERE distributed_at IS NOT NULL;

ALTER TABLE consumers RENAME TO event_consumers;
