#pragma once
// An Outlook .msg made from an archived .eml into a temporary file beside it, for a
// store::DurableBatch to rename: what `export --msg` does for new messages (BodyFetcher) and
// for those archived earlier (msg_backfill), in one place. And one .msg written alone, for
// `convert` and `fetch --format msg`.

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

// What became of one conversion: `file` when written, else `refused` (no file is left
// behind), a message-level matter for the caller.
struct MsgConversion {
    std::optional<MsgTemp> file;
    std::optional<core::Error> refused;
    // The refusal is the message's own (beyond the .msg limits, or unreadable as a message),
    // not the local disk's: it will never convert, so callers record it once (schema 011,
    // `msg_unconvertible`) and count it as not convertible rather than as an error.
    bool unconvertible() const {
        return refused && refused->kind != core::ErrorKind::Io &&
               refused->kind != core::ErrorKind::DiskFull;
    }
};

// Converts `eml_path` into a new temporary file in `directory`, for `final_path`. A directory
// at `final_path` (a folder an earlier version named like a .msg) is `refused`: it is never
// replaced. An error returned is a local write failure (the temporary file could not be
// made), which ends the caller's work.
core::Result<MsgConversion> convert_to_temp(const std::string& directory,
                                            const std::string& eml_path,
                                            const std::string& final_path);

// Converts `eml_path` into `msg_path` through a temporary file in msg_path's directory, made
// durable and renamed only when the conversion succeeded: never a broken .msg under the name.
core::Result<void> write_msg_file(const std::string& eml_path, const std::string& msg_path);

}  // namespace imapmirror::sync
