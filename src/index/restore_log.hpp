#pragma once
// What `restore` put where (schema/012_restore.sql): the archive's messages to restore, and
// per target account and folder the state of each. Written before each APPEND ('appending')
// and after its answer ('restored' or 'refused'), one row at a time, so a killed run loses no
// acknowledged APPEND.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "index/account_identity.hpp"
#include "index/database.hpp"

namespace imapmirror::index {

// An archived message, as restore sends it back.
struct RestorableMessage {
    int64_t id = 0;
    int64_t folder_id = 0;
    std::string path;           // the .eml, relative to the archive root
    uint64_t size = 0;          // bytes of the .eml
    std::string flags;          // as on the source server
    std::string internal_date;  // ISO 8601 UTC, "" when unknown
    std::string message_id;     // the Message-ID header, "" when none
    std::string sha256;
    bool deleted = false;  // archived as expunged on the source
};

enum class RestoreState { Appending, Restored, Refused };
const char* to_string(RestoreState state);

// One row of `restored`.
struct RestoreRecord {
    std::string target_folder;  // as sent
    int64_t message_id = 0;
    RestoreState state = RestoreState::Appending;
    std::optional<uint32_t> uidvalidity, uid;
    std::string error;  // Refused: the server's answer
};

// Every message of the archive (expunged ones when `include_deleted`), by folder, then UID.
core::Result<std::vector<RestorableMessage>> restorable_messages(Database& db,
                                                                 bool include_deleted);

// The rows of one target account. An index older than schema 12 (a read-only dry run) has
// none.
core::Result<std::vector<RestoreRecord>> restore_records(Database& db,
                                                         const AccountIdentity& target);

// A label of an archived message (schema 007), or one `restore` applied on a Gmail target
// (schema 016: `target_folder` set, as sent).
struct LabelRecord {
    std::string target_folder;
    int64_t message_id = 0;
    std::string label;  // as the `labels` table names it
};

// Every archived message's Gmail labels; none from an index without schema 007's tables.
core::Result<std::vector<LabelRecord>> archived_labels(Database& db);

// The labels `restore` applied on `target`; none from an index older than schema 14.
core::Result<std::vector<LabelRecord>> restored_labels(Database& db, const AccountIdentity& target);

// Records that `labels` of message `message_id` were applied in `target_folder` (one
// transaction).
core::Result<void> write_restored_labels(Database& db, const AccountIdentity& target,
                                         const std::string& target_folder, int64_t message_id,
                                         const std::vector<std::string>& labels);

// Writes (replaces) one row for `target`.
core::Result<void> write_restore_record(Database& db, const AccountIdentity& target,
                                        const RestoreRecord& record);

}  // namespace imapmirror::index
