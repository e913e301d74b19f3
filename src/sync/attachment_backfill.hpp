#pragma once
// `export --attachments files` on an archive exported with --attachments none (or partly):
// every attachment row stored "none" gets its file, decoded from the archived .eml alone (no
// server contact), linked to the attachment store as the export does.
//
// Written as the export writes (a message's .attachments directory under a temporary name in
// a store::DurableBatch, one sync, renames), then given to the store, then recorded (storage)
// per batch of `per_commit` messages. When the index refuses a batch its files go again. A
// message whose .eml is missing or unreadable is left as it is ("none"), for `verify`.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace imapmirror::index {
class ArchiveIndex;
}

namespace imapmirror::sync {

struct AttachmentBackfillResult {
    uint64_t written = 0;             // attachment files added and recorded
    std::vector<core::Error> errors;  // messages whose .eml could not be read
};

core::Result<AttachmentBackfillResult> backfill_attachment_files(index::ArchiveIndex& index,
                                                                 const std::string& root,
                                                                 size_t per_commit);

}  // namespace imapmirror::sync
