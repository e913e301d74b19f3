-- imapmirror index, version 2: what the server announced, where it differs from what it sent.
-- Some servers (Microsoft Exchange among them) announce an RFC822.SIZE that differs from the
-- bytes their BODY[] carries. The archive keeps the bytes sent (`size` is their length); the
-- announced size is kept here. NULL when the two agree.
ALTER TABLE messages ADD COLUMN size_announced INTEGER;
