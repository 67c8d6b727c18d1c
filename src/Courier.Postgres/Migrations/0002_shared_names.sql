-- One vocabulary with the SQLite store: a delivery's and an event consumer's lease holder is lease_owner, and a
-- delivery flagged late keeps when it was flagged (deadline_missed_at) instead of a flag. Deliveries flagged before
-- this migration take their last update time as the moment they were flagged.

ALTER TABLE deliveries RENAME COLUMN owner_node TO lease_owner;
ALTER TABLE event_consumers RENAME COLUMN lease_node TO lease_owner;

ALTER TABLE deliveries ADD COLUMN deadline_missed_at timestamptz NULL;
UPDATE deliveries SET deadline_missed_at = updated_at WHERE deadline_missed;
DROP INDEX deliveries_deadline;
ALTER TABLE deliveries DROP COLUMN deadline_missed;
CREATE INDEX deliveries_deadline ON deliveries (created_at) WHERE state <> 'delivered' AND deadline_missed_at IS NULL;
