-- imapmirror index, version 16: the Gmail labels `restore` applied (issue #23).
-- Into a Gmail target each message is appended once, into All Mail (the \All folder), and its
-- labels are added with `UID STORE uid +X-GM-LABELS (...)`. Once the server acknowledged the
-- STORE, one row per label says so; a label without a row is stored again by the next run (on
-- the UID `restored` recorded, or on the one a Message-ID search finds), so a run killed
-- between the APPEND and the STORE is completed, and a second run stores nothing.
--   SELECT label, count(*) FROM restored_labels GROUP BY 1;
CREATE TABLE IF NOT EXISTS restored_labels (
    target_host   TEXT NOT NULL,           -- as in `restored`
    target_port   INTEGER NOT NULL,
    target_user   TEXT NOT NULL,
    target_folder TEXT NOT NULL,           -- the \All folder's name as sent
    message_id    INTEGER NOT NULL REFERENCES messages(id),  -- the archived message
    label         TEXT NOT NULL,           -- as the `labels` table names it ('\Inbox', 'Work/Q1')
    PRIMARY KEY (target_host, target_port, target_user, target_folder, message_id, label)
) WITHOUT ROWID;
