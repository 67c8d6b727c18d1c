-- Claiming walks deliveries_due in due order and stops at its LIMIT: O(due rows it takes). A second partial index on
-- queued deliveries (target, next_attempt_at) offered the planner another way, and it took it whenever the statistics
-- were older than the backlog (a target that went down after the last ANALYZE): each claim then read every due delivery
-- through that index and sorted them all, O(backlog) per claim. Making a recovered target's queued deliveries due
-- (MakeDueAsync, once per recovery) reads the not-yet-due part of deliveries_due instead.
DROP INDEX deliveries_queued_by_target;
