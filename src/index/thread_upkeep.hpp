#pragma once
// Threads kept up to date as mail arrives (schema/019_thread_keys.sql). A message without a
// thread joins the threads its keys (threading.hpp: thread_keys) already belong to, found in
// the thread_keys table, so a night's work and memory grow with its new messages, not with
// the archive. The whole-archive grouping (ArchiveIndex::rebuild_threads) stays for what moves
// rows between threads (a UIDVALIDITY re-mapping); it records every key again when it ends.

#include "core/error.hpp"
#include "index/database.hpp"

namespace imapmirror::index {

// Gives every message whose thread_id is NULL a thread, in archive order, in one transaction.
// A message whose keys belong to several threads merges them into the one with the most
// messages (its id is kept; ties: the smaller id). Each thread row follows: its root is the
// earliest-dated message (a dated one before an undated one; ties keep the earlier archived).
// An archive whose thread_keys is empty while it has threads (made before version 19) has its
// keys recorded first. Reads a few hundred messages at a time.
core::Result<void> thread_new_messages(Database& db);

// Replaces thread_keys with the keys of every threaded message and its thread, one message at
// a time in archive order: the first message with a key names its thread. For the caller's
// transaction.
core::Result<void> record_thread_keys(Database& db);

}  // namespace imapmirror::index
