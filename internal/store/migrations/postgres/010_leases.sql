-- Several processes on one database (PostgreSQL): a feed is polled by the
-- process that leased it, a channel posted to by the one that leased it
-- (Slack's pace and story threading hold across processes), a scheduled
-- job runs once per time it is due, and each process says it is alive.
-- On SQLite one process holds the database (store.Lock): the tables stay
-- empty, and the schema versions of both engines stay in step.
ALTER TABLE feeds ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
CREATE TABLE channel_leases (
    channel   TEXT PRIMARY KEY,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_post BIGINT NOT NULL DEFAULT 0 -- Unix milliseconds
);
CREATE TABLE job_runs (
    job   TEXT    NOT NULL,
    slot  BIGINT NOT NULL, -- the time it was due, Unix seconds
    owner TEXT    NOT NULL,
    at    BIGINT NOT NULL,
    PRIMARY KEY (job, slot)
);
CREATE TABLE processes (
    owner     TEXT PRIMARY KEY,
    host      TEXT    NOT NULL,
    pid       BIGINT NOT NULL,
    version   TEXT    NOT NULL,
    started   BIGINT NOT NULL,
    heartbeat BIGINT NOT NULL
);
