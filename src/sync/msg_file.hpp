#pragma once
// An Outlook .msg made from an archived .eml into a temporary file beside it, for a
// store::DurableBatch to rename: what `export --msg` does for new messages (BodyFetcher) and
// for those archived earlier (msg_backfill), in one place.

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace imapmirror::sync {

struct MsgTemp {
    std::string temp_path;  // in the directory asked for; the caller renames or removes it
    std::string sha256;
    uint64_t size = 0;
};

// What became of one conversion: `file` when written, else `refused` (the message cannot be
// converted; no file is left behind), a message-level matter for the caller to report.
struct MsgConversion {
    std::optional<MsgTemp> file;
    std::optional<core::Error> refused;
};

// Converts `eml_path` into a new temporary file in `directory`, for `final_path`. A directory
// at `final_path` (a folder an earlier version named like a .msg) is `refused`: it is never
// replaced. An error returned is a local write failure (the temporary file could not be
// made), which ends the caller's work.
core::Result<MsgConversion> convert_to_temp(const std::string& directory,
                                            const std::string& eml_path,
                                            const std::string& final_path);

}  // namespace imapmirror::sync
