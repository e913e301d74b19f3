#pragma once
// A row of the index's `messages` table, described once: MessageRecord holds it, and
// kMessageColumns says which column each member fills. ArchiveIndex::insert_messages builds its
// INSERT from this list and core::kHeaderFields (the header columns). A new column is a member
// and a line here (or in core/message_headers.hpp for a header field), plus the schema
// migration that adds and documents it; the column's meaning is written there.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/message_headers.hpp"

namespace imapmirror::index {

struct AttachmentRecord {
    std::string part, filename, content_type, path, sha256;
    uint64_t size = 0;
    // What is at `path` (schema/015): "link" (a hard link to the attachment store's file),
    // "copy" (a file of its own) or "none" (no file: --attachments none).
    std::string storage = "copy";
};

// An attachment as the attachment-text reader needs it (schema 014).
struct AttachmentTextKey {
    int64_t id = 0;  // attachments.id
    std::string part, filename, content_type;
};

// An attachment's row of `attachment_texts` (schema 014).
struct AttachmentTextRecord {
    int64_t attachment_id = 0;
    std::string status;  // "ok", "truncated", "failed:...", "skipped:..."
    std::string text;
    bool truncated = false;
};

// A message's row of `bodies` (schema/006): the text the search index reads.
struct BodyRecord {
    std::string origin;  // "plain", "html" or "none"
    std::string text;
    bool truncated = false;
};

struct MessageRecord {
    int64_t folder_id = 0;
    uint32_t uidvalidity = 0, uid = 0;
    core::MessageHeaders headers;  // one column each (core::kHeaderFields)
    std::string internal_date, flags, path, sha256, header_sha256, parse_error;
    uint64_t size = 0;
    std::optional<uint64_t> size_announced;  // RFC822.SIZE, when it differs from `size`
    std::optional<uint64_t> modseq, gm_msgid, gm_thrid;
    std::string msg_path, msg_sha256;  // the .msg beside the .eml (export --msg), "" when none
    std::optional<uint64_t> msg_size;
    std::string msg_unconvertible;  // why no .msg could be made (schema 011), "" otherwise
    std::vector<AttachmentRecord> attachments;  // rows of `attachments`
    // Gmail's X-GM-LABELS: rows of `labels`/`message_labels` (schema 007); nullopt when the
    // server did not send them (not Gmail, or labels kept as folders).
    std::optional<std::vector<std::string>> gm_labels;
    // Its `bodies` row; nullopt when the body was not read (export --no-bodies): `reindex`
    // reads it later.
    std::optional<BodyRecord> body;
};

// What an empty string is stored as.
enum class EmptyText { Null, Text };

struct MessageColumn {
    const char* name;
    std::variant<int64_t MessageRecord::*, uint32_t MessageRecord::*, uint64_t MessageRecord::*,
                 std::optional<uint64_t> MessageRecord::*, std::string MessageRecord::*>
        member;
    EmptyText empty = EmptyText::Null;  // for strings; an empty optional is always NULL
};

// Every column a MessageRecord fills, besides the header columns. Not here: `id`, `thread_id`
// (set by threading), `archived_at` (set by the insert), `deleted_at` (set on expunge).
inline constexpr MessageColumn kMessageColumns[] = {
    {"folder_id", &MessageRecord::folder_id},
    {"uidvalidity", &MessageRecord::uidvalidity},
    {"uid", &MessageRecord::uid},
    {"internal_date", &MessageRecord::internal_date},
    {"size", &MessageRecord::size},
    {"size_announced", &MessageRecord::size_announced},
    {"flags", &MessageRecord::flags, EmptyText::Text},
    {"path", &MessageRecord::path, EmptyText::Text},
    {"sha256", &MessageRecord::sha256, EmptyText::Text},
    {"header_sha256", &MessageRecord::header_sha256},
    {"parse_error", &MessageRecord::parse_error},
    {"modseq", &MessageRecord::modseq},
    {"gm_msgid", &MessageRecord::gm_msgid},
    {"gm_thrid", &MessageRecord::gm_thrid},
    {"msg_path", &MessageRecord::msg_path},
    {"msg_sha256", &MessageRecord::msg_sha256},
    {"msg_size", &MessageRecord::msg_size},
    {"msg_unconvertible", &MessageRecord::msg_unconvertible},
};

}  // namespace imapmirror::index
