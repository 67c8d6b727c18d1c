-- Targets found down, shared through the store: what one process learnt about a target (its circuit opened) every other
-- process pushing to it can read, so `courier distribute` beside `courier serve` does not hammer a target serve knows is
-- down. One row per target while it is down (down_until, next_probe_at: Unix milliseconds); the row goes when it is up.
CREATE TABLE target_circuits (
    target         TEXT    NOT NULL PRIMARY KEY,
    down_until     INTEGER NOT NULL,
    next_probe_at  INTEGER,
    last_error     TEXT,
    node_id        TEXT    NOT NULL,
    updated_at     INTEGER NOT NULL
);
