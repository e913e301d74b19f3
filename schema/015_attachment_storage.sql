-- run only if missing: attachments.storage
-- imapmirror index: how each attachment file is stored (issue #25, identical attachments stored
-- once). Numbered 015 after another change's 014; applied in file order.
--
-- sha256 (schema/001) is the hash of the decoded bytes; it names the file's one copy in the
-- content-addressed store DIR/.attachments-store/<first two hex digits>/<sha256>
-- (src/store/attachment_store.hpp). storage says what is at `path`:
--   'link'  a hard link to the store's file (the bytes are on disk once, however many
--           messages carry them);
--   'copy'  a file of its own (the file system refused a link: EXDEV, EMLINK at ext4's 65,000
--           links, no hard links at all; and every row written before this version);
--   'none'  no file: exported with --attachments none; show, attachments, dump and verify
--           decode it from the .eml when asked; an export with --attachments files, or
--           reindex, writes it at `path`.
ALTER TABLE attachments ADD COLUMN storage TEXT NOT NULL DEFAULT 'copy';
-- The rows an export with --attachments files still has to extract (attachment_backfill), found
-- without reading the whole table on every run.
CREATE INDEX attachments_unextracted ON attachments(message_id) WHERE storage = 'none';
