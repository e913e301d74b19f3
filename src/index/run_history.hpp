#pragma once
// The `runs` table of an archive, read without changing anything: `imapmirror accounts` looks
// at archives that an export may be writing at the same moment, or that belong to a newer
// imapmirror.

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace imapmirror::index {

// One row of `runs` (schema/001_initial.sql, 010_run_outcome.sql). Counts are empty while the
// run has not finished.
struct RunRecord {
    int64_t id = 0;
    std::string started_at, finished_at;  // ISO 8601 UTC; finished_at "" if it never finished
    std::optional<int64_t> messages, bytes, errors, exit_code;
    // Why it failed: "" for a run that succeeded, has not finished, or was recorded by an
    // imapmirror older than schema 010.
    std::string error_kind, error_message, server_reply;
};

// The failures since the last success: finished runs with an exit code other than 0, newest
// first, up to the latest run that succeeded. Runs that never finished are not counted.
struct FailureStreak {
    int64_t runs = 0;   // failed runs in a row
    int64_t days = 0;   // distinct UTC dates they started on ("nights")
    std::string since;  // started_at of the first of them; "" when runs == 0
};

struct RunHistory {
    std::optional<RunRecord> last;          // the latest run, finished or not
    std::optional<RunRecord> last_success;  // the latest that finished with exit code 0
    std::optional<RunRecord> last_failure;  // the latest that finished with another exit code
    FailureStreak failing;                  // what failed since last_success
    int64_t runs = 0;                       // rows in `runs`
    int64_t messages = 0;                   // messages archived (rows in `messages`)
};

// Opens `index_path` read-only: never creates, migrates or writes it (SQLite may add its
// -wal/-shm companions in WAL mode, as any reader does), does not follow a link. NotFound when
// there is no such file.
core::Result<RunHistory> read_run_history(const std::string& index_path);

}  // namespace imapmirror::index
