-- imapmirror index: a message that cannot be converted to .msg, recorded once (issue #21).
--
-- msg_unconvertible: why `export --msg` wrote no .msg for the message, in one line (beyond the
-- .msg limits of src/outlook/eml_reader.hpp, or a file GMime cannot read as a message); NULL
-- when it has a .msg or none was tried. Set in the batch that archives the message, or by the
-- backfill of messages archived earlier; such a message is counted "not convertible" in that
-- run's summary, not as an error, and later runs do not try it again.
ALTER TABLE messages ADD COLUMN msg_unconvertible TEXT;
