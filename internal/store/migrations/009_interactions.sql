-- Analysts answer the bot (Slack buttons, /feedwatch, feedwatch silence).
-- A silence may now hold one story in one channel (story: the delivery
-- that heads it) or the articles a query matches; origin is the Slack
-- message it was set from (0: the command line).
ALTER TABLE silences ADD COLUMN story INTEGER NOT NULL DEFAULT 0;
ALTER TABLE silences ADD COLUMN query TEXT NOT NULL DEFAULT '';
ALTER TABLE silences ADD COLUMN origin INTEGER NOT NULL DEFAULT 0;
CREATE INDEX silences_origin ON silences (origin);

-- Every action, allowed or refused: who, when, what, on what. key is
-- Slack's own id for the click or command, so one delivered twice (a
-- retry, a second socket, another process) is recorded and acts once.
CREATE TABLE actions (
    id      INTEGER PRIMARY KEY,
    key     TEXT    NOT NULL UNIQUE,
    at      INTEGER NOT NULL,
    who     TEXT    NOT NULL, -- Slack user ID (not "user": a reserved word in SQL)
    action  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    allowed INTEGER NOT NULL,
    outcome TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX actions_at ON actions (at);

-- "Not relevant": an analyst's verdict on a rule's match of an article,
-- once per article and rule however many click it; undone_by is set when
-- it was taken back.
CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL,
    rule_id     TEXT    NOT NULL,
    delivery_id INTEGER NOT NULL,
    verdict     TEXT    NOT NULL,
    who         TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    undone_by   TEXT    NOT NULL DEFAULT '',
    UNIQUE (article_id, rule_id)
);
CREATE INDEX deliveries_ts ON deliveries (slack_ts);
-- A rule's precision asks, for each match, whether its article was
-- posted: without this, every match scanned every sent delivery.
CREATE INDEX deliveries_article ON deliveries (article_id, state);
-- What a silence held, counted for status without reading every match.
CREATE INDEX matches_silenced ON matches (silenced) WHERE silenced != 0;
