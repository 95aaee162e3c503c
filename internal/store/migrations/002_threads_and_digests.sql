-- Deliveries learn threads (a report of a story already posted becomes a
-- reply), merges (webhook mode records such a report without posting it)
-- and digests (held until the rule's digest is posted). SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt.
CREATE TABLE deliveries_new (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL,
    channel      TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'merged', 'held')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    created      INTEGER NOT NULL,
    updated      INTEGER NOT NULL,
    last_error   TEXT    NOT NULL DEFAULT '',
    slack_ts     TEXT    NOT NULL DEFAULT '',
    thread_ts    TEXT    NOT NULL DEFAULT '', -- the parent post's ts, for a thread reply
    parent_id    INTEGER NOT NULL DEFAULT 0,  -- the delivery this one replies to or was merged into
    digest       TEXT    NOT NULL DEFAULT ''  -- the rule whose digest holds it
);
INSERT INTO deliveries_new (id, article_id, channel, payload, state, attempts, next_attempt, created, updated, last_error, slack_ts)
    SELECT id, article_id, channel, payload, state, attempts, next_attempt, created, updated, last_error, slack_ts FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt);
CREATE INDEX deliveries_story ON deliveries (channel, state, created);
CREATE INDEX deliveries_digest ON deliveries (digest, state);
