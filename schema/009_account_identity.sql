-- imapmirror index, version 9: whose archive this is (issue #21).
-- The first export records the account it archives: the server (host and port, as given) and
-- the user name, with the config file's account name where the export had one. An export of
-- another host, port or user into this archive is refused (exit 2), so two accounts are never
-- merged into one tree and neither's mail is taken for expunged; `export --repoint-archive`
-- replaces the row when the server really moved. An archive made before this version gets the
-- identity of its next export (which says so). Host and user are compared without regard to
-- ASCII case (DNS names are case-insensitive, and so are the user names of the servers seen).
-- `accounts` and `verify` show it:
--   SELECT user || '@' || host || ':' || port, account FROM account_identity;
CREATE TABLE account_identity (
    id          INTEGER PRIMARY KEY CHECK (id = 1),  -- one row at most
    host        TEXT NOT NULL,                       -- as given (--host, `host`)
    port        INTEGER NOT NULL,                    -- the port connected to (993, 143 or --port)
    user        TEXT NOT NULL,                       -- the login name
    account     TEXT,                                -- the config file's account name, or NULL
    recorded_at TEXT NOT NULL                        -- when this row was written (ISO 8601 UTC)
);
