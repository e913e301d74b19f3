#pragma once
// Read-only queries for `search` and `show` over an archive's index (schema/006's full-text
// table and the message rows). Opens the index read-only: nothing is created, migrated or
// written, so it works while nobody else may write, and on a copy without write permission.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "index/database.hpp"
#include "index/message_row.hpp"

namespace imapmirror::index {

struct SearchQuery {
    std::string match;  // FTS5 query syntax (schema/006)
    // Filters; an empty string or false means none. from/to: a part of the address text,
    // case-insensitive for ASCII (`to` looks at To and Cc); folder: the decoded name or the
    // archive path of the folder, exactly; after/before: "YYYY-MM-DD" (or a longer ISO 8601
    // prefix) against the Date header, else the arrival time: after is inclusive, before is
    // not.
    std::string from, to, folder, after, before;
    bool has_attachment = false;
    bool unread = false;        // without \Seen
    bool by_relevance = false;  // bm25 order; else newest first
    size_t limit = 50;
    // The snippet marks the matched words with these (they must not occur in text: control
    // characters suit).
    std::string mark_open = "\x02", mark_close = "\x03";
};

struct SearchHit {
    int64_t id = 0;
    std::string date, from_addr, folder, subject, snippet, path;
    bool expunged = false;
    double rank = 0;  // bm25: lower is better
};

struct MessageView {
    int64_t id = 0;
    std::string folder, path, date, internal_date, from_addr, to_addrs, cc_addrs, subject,
        message_id, flags;
    bool expunged = false;
    std::vector<AttachmentRecord> attachments;  // in part order
};

class ArchiveSearch {
  public:
    // Opens DIR/index.sqlite read-only. NotFound when there is none; Usage, with the command
    // to run, when the index is older than full-text search (schema 006).
    static core::Result<ArchiveSearch> open(const std::string& index_path);

    // Hits for `q`. A query FTS5 refuses (syntax, unknown column) is a Usage error with
    // SQLite's words and a hint.
    core::Result<std::vector<SearchHit>> search(const SearchQuery& q);

    // One message by its id, by its .eml path relative to the archive, or every message with
    // a Message-ID (it is not unique: copies in several folders), newest first.
    core::Result<std::optional<MessageView>> by_id(int64_t id);
    core::Result<std::optional<MessageView>> by_path(const std::string& relative_path);
    core::Result<std::vector<MessageView>> by_message_id(const std::string& message_id);

  private:
    explicit ArchiveSearch(Database db) : m_db(std::move(db)) {}
    core::Result<std::vector<MessageView>> messages_where(const char* sql,
                                                          const std::string& value);
    Database m_db;
};

}  // namespace imapmirror::index
