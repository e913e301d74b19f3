-- A folder the server lists but will not open (EXAMINE answered NO): Microsoft 365's calendar,
-- contacts and tasks folders. Holds the server's words; NULL once the folder opens. The first
-- refusal is reported as a folder error, later ones are skipped and counted
-- (summary "folders_refused").
ALTER TABLE folders ADD COLUMN examine_refused TEXT;
