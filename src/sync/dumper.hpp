#pragma once
// `dump`, the doing half: makes the dump target what a DumpPlan (sync/dump_plan.hpp) says.
// It reads the archive (never writes into it: the plan refused a target inside it) and
// writes only beneath the target, reached by descriptor without following a link.
//
// Maildir: per folder, removes first (expunged messages, second copies), then renames
// (changed flags), then adds (a hard link to the .eml, or a copy where the file system
// refuses one). mbox: per folder, a new file written under a temporary name and renamed over
// the last dump's.

#include <cstdint>
#include <functional>
#include <vector>

#include "core/error.hpp"
#include "sync/dump_plan.hpp"

namespace imapmirror::sync {

struct DumpProgress {
    uint64_t done = 0, total = 0;  // messages written (added, or into an mbox), of all
};

struct DumpSummary {
    uint64_t folders = 0;             // folders written
    uint64_t messages = 0;            // live messages the dump holds now
    uint64_t bytes = 0;               // their sizes in the archive
    uint64_t linked = 0, copied = 0;  // Maildir adds: hard links, copies
    uint64_t renamed = 0, removed = 0, unchanged = 0;
    // Message and Folder errors (the plan's skipped folders too); each cost only its scope.
    std::vector<core::Error> errors;
};

// Errors: a Run-scope failure (the target cannot be created or written, the disk is full)
// ends the dump; what it finished stays done, and a new dump carries on from there.
core::Result<DumpSummary> apply_dump(const DumpPlan& plan, const DumpOptions& options,
                                     const std::function<void(const DumpProgress&)>& progress);

}  // namespace imapmirror::sync
