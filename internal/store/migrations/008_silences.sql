-- Silences: a rule's or a feed's matches muted for a while (feedwatch
-- silence add). A silenced match is still recorded, marked with the
-- silence that held it.
CREATE TABLE silences (
    id         INTEGER PRIMARY KEY,
    rule       TEXT    NOT NULL DEFAULT '',
    feed       TEXT    NOT NULL DEFAULT '',
    starts     INTEGER NOT NULL,
    ends       INTEGER NOT NULL,
    created_by TEXT    NOT NULL DEFAULT '',
    reason     TEXT    NOT NULL DEFAULT '',
    created    INTEGER NOT NULL,
    expired_by TEXT    NOT NULL DEFAULT '',
    announced  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX silences_ends ON silences (ends);
ALTER TABLE matches ADD COLUMN silenced INTEGER NOT NULL DEFAULT 0;
