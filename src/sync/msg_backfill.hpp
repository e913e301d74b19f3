#pragma once
// `export --msg` on an archive with messages archived without it: each such message (its
// `msg_path` NULL, schema/008) gets its .msg beside its .eml, converted from the archived
// .eml alone (no server contact), so that --msg means a .msg beside every .eml.
//
// Files are written as the export writes them (store::DurableBatch: temporary names, one sync,
// renames) and recorded in the index per batch of `per_commit`, after they are durable. A
// message that can never be converted (MsgConversion::unconvertible) is recorded so in the
// same batch (schema 011) and counted, once: later runs skip it. A conversion refused for a
// local reason (Io) is a message error and is tried again next time. A message whose .eml is
// missing is left to `verify`, which reports it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace imapmirror::index {
class ArchiveIndex;
}

namespace imapmirror::sync {

struct MsgBackfillResult {
    uint64_t written = 0;             // .msg files added and recorded
    uint64_t unconvertible = 0;       // recorded as not convertible (schema 011)
    std::vector<core::Error> errors;  // messages that could not be converted
};

// Gives a .msg to every message with id <= `up_to` that has none. Returns what was done; a
// local write failure or an index error (with what was complete committed) is returned as an
// error, as is an interruption.
core::Result<MsgBackfillResult> backfill_msg_files(index::ArchiveIndex& index,
                                                   const std::string& root, int64_t up_to,
                                                   size_t per_commit);

}  // namespace imapmirror::sync
