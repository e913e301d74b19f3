#pragma once
// `reindex`: reads the body text of archived messages from their .eml files into the index
// (schema/006) and renews their full-text entries, without contacting the server. For
// archives made before version 6, or exported with --no-bodies.
//
// Resumable and idempotent: only messages without a `bodies` row are read, and each batch is
// one transaction, so an interrupted run goes on where it stopped and a second run finds
// nothing to do. Holds the archive's lock (sync/archive_lock.hpp) like `export`.

#include <cstdint>
#include <functional>
#include <string>

#include "core/error.hpp"

namespace imapmirror::sync {

struct ReindexOptions {
    std::string root;    // DIR
    bool all = false;    // forget every body first and read them all again
    size_t batch = 200;  // messages per transaction
    size_t threads = 0;  // reading threads; 0: one per core (at most 4)
    // Then the text of attachments without a text row (schema 014, sync/attachment_texts.hpp).
    bool attachment_text = true;
};

struct ReindexProgress {
    uint64_t total = 0;  // messages to read in this run
    uint64_t done = 0;
};

struct ReindexSummary {
    uint64_t read = 0;     // messages whose body is now in the index
    uint64_t missing = 0;  // .eml files that could not be read (left without a body)
    uint64_t html = 0;     // of `read`, text from HTML
    uint64_t truncated = 0;
    uint64_t attachments = 0;         // attachments given a text row
    uint64_t attachments_failed = 0;  // of those, unreadable (status failed:...)
};

// Runs the reindex. An .eml that cannot be read is logged and counted in `missing` (its
// message keeps no body, so the next run tries again); index errors and Ctrl-C end the run
// after the last complete batch.
core::Result<ReindexSummary> reindex(const ReindexOptions& options,
                                     const std::function<void(const ReindexProgress&)>& progress);

}  // namespace imapmirror::sync
