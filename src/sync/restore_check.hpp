#pragma once
// `restore --verify`: the target's messages fetched back (BODY.PEEK[]: no flag changes) and
// compared by SHA-256 with the archive, folder by folder, under the names the restore plan
// gives them. Read-only on both sides.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "sync/restore_plan.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::sync {

struct RestoreCheckFolder {
    std::string archive_name, target_name;  // decoded
    uint64_t checked = 0;                   // target messages fetched and hashed
    std::vector<std::string> missing;       // archived .eml paths with no copy on the target
    std::vector<std::string> extra;         // "UID n": on the target, not in the archive folder
    // "UID n (path)": a UID the restore recorded (APPENDUID) whose bytes differ from the .eml.
    std::vector<std::string> different;
    std::optional<core::Error> error;  // the folder could not be compared
};

struct RestoreCheck {
    std::vector<RestoreCheckFolder> folders;
    bool clean() const;
};

// Compares every selected archive folder with its target folder. Errors that stop the whole
// check (no archive, login refused, the connection lost) are returned; a folder that cannot
// be opened is that folder's `error`.
core::Result<RestoreCheck> check_restore(const RestoreOptions& options, const ConnectFn& connect);

}  // namespace imapmirror::sync
