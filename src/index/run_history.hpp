#pragma once
// The `runs` table of an archive, read without changing anything: `imapmirror accounts` looks
// at archives that an export may be writing at the same moment, or that belong to a newer
// imapmirror.

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace imapmirror::index {

// One row of `runs` (schema/001_initial.sql). Counts are empty while the run has not finished.
struct RunRecord {
    int64_t id = 0;
    std::string started_at, finished_at;  // ISO 8601 UTC; finished_at "" if it never finished
    std::optional<int64_t> messages, bytes, errors, exit_code;
};

struct RunHistory {
    std::optional<RunRecord> last;          // the latest run, finished or not
    std::optional<RunRecord> last_success;  // the latest that finished with exit code 0
    int64_t runs = 0;                       // rows in `runs`
    int64_t messages = 0;                   // messages archived (rows in `messages`)
};

// Opens `index_path` read-only: never creates, migrates or writes it (SQLite may add its
// -wal/-shm companions in WAL mode, as any reader does), does not follow a link. NotFound when
// there is no such file.
core::Result<RunHistory> read_run_history(const std::string& index_path);

}  // namespace imapmirror::index
