-- Versions that supersede, and takedown.
-- A video's content is compared with its newest version only, so one fingerprint may name several versions (a rollback
-- is a version of its own). A version is a publish or a removal (action); a delivery pushes or removes (operation); a
-- rendition row of a publish version may stand for a rendition an older version had and this one dropped (operation
-- remove: its files are taken away). Deliveries can now end superseded (a newer version was committed for the target
-- first) or removed (a removal done and proven). A superseded delivery that was in flight keeps its lease until its node
-- lets go, so the lease check allows a token on superseded rows too. One delivery per rendition, target and operation
-- of a version. delivery_files lists what each push put at its target, for orphans and takedown.

ALTER TABLE video_versions DROP CONSTRAINT video_versions_video_id_fingerprint_key;
ALTER TABLE video_versions ADD COLUMN action text NOT NULL DEFAULT 'push' CHECK (action IN ('push', 'remove'));

ALTER TABLE renditions ADD COLUMN operation text NOT NULL DEFAULT 'push' CHECK (operation IN ('push', 'remove'));

ALTER TABLE deliveries ADD COLUMN operation text NOT NULL DEFAULT 'push' CHECK (operation IN ('push', 'remove'));
ALTER TABLE deliveries DROP CONSTRAINT deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check
    CHECK (state IN ('in_flight', 'queued', 'delivered', 'dead', 'superseded', 'removed'));
ALTER TABLE deliveries DROP CONSTRAINT deliveries_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_lease_check
    CHECK ((state <> 'in_flight' OR lease_token IS NOT NULL) AND (state IN ('in_flight', 'superseded') OR lease_token IS NULL));
ALTER TABLE deliveries DROP CONSTRAINT deliveries_video_id_version_rendition_target_key;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_video_id_version_rendition_target_operation_key
    UNIQUE (video_id, version, rendition, target, operation);

-- The claim rules look at the other deliveries of the same video and target (a newer version, a held lease, the pushes
-- of the same version): this index keeps each look a short range, so claiming stays O(due rows).
CREATE INDEX deliveries_video_target ON deliveries (video_id, target, version);
-- Superseded deliveries whose node has not let go yet: few, read by the claim rules, reclaim and release.
CREATE INDEX deliveries_superseded_leases ON deliveries (video_id, target) WHERE state = 'superseded' AND lease_token IS NOT NULL;

-- Deadlines concern work still to do: superseded and removed deliveries are done.
DROP INDEX deliveries_deadline;
CREATE INDEX deliveries_deadline ON deliveries (created_at)
    WHERE state NOT IN ('delivered', 'superseded', 'removed') AND deadline_missed_at IS NULL;

CREATE TABLE delivery_files (
    delivery_id  uuid   NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    key          text   NOT NULL,
    bytes        bigint NOT NULL,
    sha256       text   NULL,
    PRIMARY KEY (delivery_id, key)
);
