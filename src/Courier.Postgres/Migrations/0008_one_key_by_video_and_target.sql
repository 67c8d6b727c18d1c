-- The claim rules and the supersede look at a video's deliveries to one target, by version. The unique key serves those
-- looks when its columns come in that order, so deliveries_video_target, a second index over the same rows, goes: every
-- claim and every outcome writes a new row version, and each index on the table takes an entry for it.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_video_id_version_rendition_target_operation_key;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_video_target_version_key UNIQUE (video_id, target, version, rendition, operation);
DROP INDEX deliveries_video_target;
