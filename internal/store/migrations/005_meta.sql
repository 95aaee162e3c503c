-- What the running daemon wants others (status) to know: the rules in force.
CREATE TABLE meta (
    key     TEXT PRIMARY KEY,
    value   TEXT    NOT NULL,
    updated INTEGER NOT NULL
);
