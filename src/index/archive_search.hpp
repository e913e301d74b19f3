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
#include "index/search_query.hpp"

namespace imapmirror::index {

struct SearchHit {
    int64_t id = 0;
    std::string date, from_addr, folder, subject, snippet, path;
    bool expunged = false;
    double rank = 0;  // bm25, lower is better; 0 unless sorted by relevance
    // The attachments whose text holds one of the query's words (schema 014), by file name
    // (else their part number), in part order; empty when none did or the query had no words.
    std::vector<std::string> matched_attachments;
};

struct SearchResult {
    std::vector<SearchHit> hits;  // at most the query's limit
    int64_t total = 0;            // every message that matches
};

// An attachment as `show` lists it: its row, and how reading its text went (schema 014's
// status: "ok", "truncated", "failed:...", "skipped:..."; "" when not read yet).
struct AttachmentView : AttachmentRecord {
    std::string text_status;
    int64_t text_bytes = 0;
};

struct MessageView {
    int64_t id = 0;
    std::string folder, path, date, internal_date, from_addr, to_addrs, cc_addrs, subject,
        message_id, flags;
    bool expunged = false;
    std::vector<AttachmentView> attachments;  // in part order
};

class ArchiveSearch {
  public:
    // Opens DIR/index.sqlite read-only. NotFound when there is none; Usage, with the command
    // to run, when the index is older than full-text search (schema 006).
    static core::Result<ArchiveSearch> open(const std::string& index_path);

    // Hits for `q` (an empty match: every message that passes the filters), and how many
    // there are in all. A query FTS5 refuses (syntax) is a Usage error with SQLite's words and
    // a hint; label: on an index older than schema 007 is a Usage error.
    core::Result<SearchResult> search(const SearchQuery& q);

    // One message by its id, by its .eml path relative to the archive, or every message with
    // a Message-ID (it is not unique: copies in several folders), newest first.
    core::Result<std::optional<MessageView>> by_id(int64_t id);
    core::Result<std::optional<MessageView>> by_path(const std::string& relative_path);
    core::Result<std::vector<MessageView>> by_message_id(const std::string& message_id);
    // The message `target` names as `show` takes it: digits (fewer than 19) are an id; anything
    // else the .eml's path relative to the archive, also written under `dir` (the archive's
    // directory, without a trailing '/') or after "./".
    core::Result<std::optional<MessageView>> by_target(const std::string& dir,
                                                       const std::string& target);

  private:
    ArchiveSearch(Database db, bool has_labels, bool has_cjk, bool has_attachment_text)
        : m_db(std::move(db)),
          m_has_labels(has_labels),
          m_has_cjk(has_cjk),
          m_has_attachment_text(has_attachment_text) {}
    core::Result<void> fill_hits(const SearchQuery& q, std::vector<SearchHit>& hits);
    core::Result<void> find_matched_attachments(const SearchQuery& q, SearchResult& result);
    core::Result<std::vector<MessageView>> messages_where(const char* sql,
                                                          const std::string& value);
    Database m_db;
    bool m_has_labels = false;           // schema 007's label tables are there
    bool m_has_cjk = false;              // schema 013's messages_cjk is there
    bool m_has_attachment_text = false;  // schema 014's attachment_texts is there
};

// The words of an FTS5 expression `match` that are not tied to a column other than
// attachment_text (its quoted strings, with a trailing '*'), ORed: what an attachment's text
// is searched for to say which attachment matched. "" when there are none.
std::string attachment_terms(std::string_view match);

}  // namespace imapmirror::index
