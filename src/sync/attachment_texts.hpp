#pragma once
// The text of archived attachments into the index (schema 014), for `export` (a phase after
// the connection workers: no IMAP connection waits on a document) and `reindex`: one
// function for both. Reads each message's .eml again (mime::parse_message_file), keeps the
// decoded bytes of the attachments that have a text kind in memory (at most
// ExtractLimits::max_input each), and extracts them with extract::extract_attachment_text
// (PDF and office documents in long-lived sandboxed children, one per reading thread).
// Never reads an attachment file
// of the archive: those may be shared or absent (--attachments none).
//
// Resumable: only attachments without a text row are read, a batch is one transaction, and
// every attachment read gets a row (its status says how it went), so the next run starts
// where this one stopped and a second run finds nothing to do.

#include <cstdint>
#include <functional>
#include <string>

#include "core/error.hpp"
#include "extract/sandbox.hpp"

namespace imapmirror::index {
class ArchiveIndex;
}

namespace imapmirror::sync {

struct AttachmentTextOptions {
    std::string root;    // DIR
    size_t batch = 100;  // messages per transaction
    size_t threads = 0;  // reading threads; 0: one per core (at most 4)
    extract::ExtractLimits limits;
    extract::SandboxLimits sandbox;
};

struct AttachmentTextSummary {
    uint64_t messages = 0;     // messages whose attachments were read
    uint64_t attachments = 0;  // attachments given a text row
    uint64_t with_text = 0;    // of those, "ok" or "truncated" with some text
    uint64_t failed = 0;       // "failed:..."
    uint64_t unreadable = 0;   // .eml files that could not be read (no rows; tried again later)
};

struct AttachmentTextProgress {
    uint64_t total = 0;  // messages to read
    uint64_t done = 0;
};

// Reads every attachment of `index` without a text row. An .eml that cannot be read is logged
// and counted (its attachments stay unread); index errors and Ctrl-C end it after the last
// complete batch.
core::Result<AttachmentTextSummary> index_attachment_texts(
    index::ArchiveIndex& index, const AttachmentTextOptions& options,
    const std::function<void(const AttachmentTextProgress&)>& progress);

}  // namespace imapmirror::sync
