-- Exactly once: a delivery is claimed before it is posted (state
-- 'posting', by whom, since when) and its outcome is recorded against the
-- claim (outbox.go). SQLite cannot change a CHECK constraint in place, so
-- the table is rebuilt.
CREATE TABLE deliveries_new (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL,
    channel      TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'posting', 'sent', 'failed', 'merged', 'held')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    created      INTEGER NOT NULL,
    updated      INTEGER NOT NULL,
    last_error   TEXT    NOT NULL DEFAULT '',
    slack_ts     TEXT    NOT NULL DEFAULT '',
    thread_ts    TEXT    NOT NULL DEFAULT '',
    parent_id    INTEGER NOT NULL DEFAULT 0,
    digest       TEXT    NOT NULL DEFAULT '',
    story        TEXT    NOT NULL DEFAULT '',
    claimed_by   TEXT    NOT NULL DEFAULT '', -- the process posting it (state 'posting')
    claimed_at   INTEGER NOT NULL DEFAULT 0   -- since when (Unix seconds)
);
INSERT INTO deliveries_new (id, article_id, channel, payload, state, attempts, next_attempt, created, updated, last_error, slack_ts, thread_ts, parent_id, digest, story)
    SELECT id, article_id, channel, payload, state, attempts, next_attempt, created, updated, last_error, slack_ts, thread_ts, parent_id, digest, story FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt);
CREATE INDEX deliveries_story ON deliveries (channel, state, created);
CREATE INDEX deliveries_digest ON deliveries (digest, state);
