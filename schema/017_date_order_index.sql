-- imapmirror index, version 17: messages in date order through an index.
-- `search` sorts by COALESCE(date, internal_date), newest first, and filters on it (after:,
-- before:). Without an index each such search read and sorted every message row: on 200,000
-- messages a one-week range alone took 228 ms of CPU (`scripts/bench search`). SQLite uses an
-- index on an expression where a query writes the same expression, as archive_search.cpp does.
CREATE INDEX IF NOT EXISTS messages_date_order ON messages(COALESCE(date, internal_date), id);
