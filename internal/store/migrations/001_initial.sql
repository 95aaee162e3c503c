-- Feed state: validators for conditional GET, health, next poll.
CREATE TABLE feeds (
    name          TEXT PRIMARY KEY,
    url           TEXT    NOT NULL,
    etag          TEXT    NOT NULL DEFAULT '',
    last_modified TEXT    NOT NULL DEFAULT '',
    last_attempt  INTEGER NOT NULL DEFAULT 0,
    last_success  INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    failures      INTEGER NOT NULL DEFAULT 0,
    next_due      INTEGER NOT NULL DEFAULT 0
);

-- Articles seen, kept for storage.retention so backtest can replay them.
CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    feed         TEXT    NOT NULL,
    identity     TEXT    NOT NULL,
    link         TEXT    NOT NULL DEFAULT '',
    title        TEXT    NOT NULL DEFAULT '',
    summary      TEXT    NOT NULL DEFAULT '',
    content      TEXT    NOT NULL DEFAULT '',
    author       TEXT    NOT NULL DEFAULT '',
    categories   TEXT    NOT NULL DEFAULT '',
    published    INTEGER NOT NULL DEFAULT 0,
    first_seen   INTEGER NOT NULL,
    content_hash TEXT    NOT NULL,
    UNIQUE (feed, identity)
);
CREATE INDEX articles_first_seen ON articles (first_seen);

-- Matches are history: kept after their article is pruned.
CREATE TABLE matches (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL,
    rule_id    TEXT    NOT NULL,
    matched_at INTEGER NOT NULL,
    UNIQUE (article_id, rule_id)
);
CREATE INDEX matches_matched_at ON matches (matched_at);

-- The outbox: one row per message to post.
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL,
    channel      TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    created      INTEGER NOT NULL,
    updated      INTEGER NOT NULL,
    last_error   TEXT    NOT NULL DEFAULT '',
    slack_ts     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt);
