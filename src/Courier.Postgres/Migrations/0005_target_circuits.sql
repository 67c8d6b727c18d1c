-- Targets found down, shared through the store: what one node learnt about a target (its circuit opened) every other
-- process pushing to it can read, so `courier distribute` beside `courier serve` does not hammer a target serve knows is
-- down. One row per target while it is down; the row goes when it is up.
CREATE TABLE target_circuits (
    target         text        PRIMARY KEY,
    down_until     timestamptz NOT NULL,
    next_probe_at  timestamptz NULL,
    last_error     text        NULL,
    node_id        text        NOT NULL,
    updated_at     timestamptz NOT NULL
);
