#pragma once
// What `list` shows of a folder: message summaries (envelope, flags, size, date, the
// unsubscribe headers) a page at a time, without downloading bodies; and which folders
// `list --recursive` walks.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "queries/search_criteria.hpp"

namespace imapmirror::queries {

// An extra header field `list --header` asked for: every value it has, in message order,
// unfolded and RFC 2047-decoded to valid UTF-8 (none when the message lacks it).
struct ExtraHeader {
    std::string name;  // as the user wrote it
    std::vector<std::string> values;
};

struct MessageSummary {
    uint32_t seq = 0, uid = 0;
    std::vector<std::string> flags;
    uint64_t size = 0;
    std::optional<int64_t> internal_date;
    // Header text decoded (RFC 2047) to UTF-8.
    std::string from_name, from_email, subject, message_id, list_unsubscribe, list_unsubscribe_post;
    // Read from the header fields as the index reads them (core::kHeaderFields): To and Cc as
    // "Name <a@b>, ...", the Date header in UTC ("2024-01-03T10:00:00Z", "" if unparseable).
    std::string to, cc, date;
    std::vector<ExtraHeader> extra_headers;  // in the order of ListRequest::headers
};

struct FolderListing {
    std::string folder;
    uint64_t exists = 0;
    std::optional<uint32_t> uidvalidity;
    // With search criteria: how many messages matched (what the page counts over).
    std::optional<uint64_t> matched;
    std::vector<MessageSummary> messages;  // in the page's order
    // How many messages the page counts over: the matches, else the folder's.
    uint64_t total() const { return matched.value_or(exists); }
};

// Which messages: page `page` (from 1) of `page_size` (0: all), by sequence number, oldest
// first or, with `newest_first`, newest first.
struct Page {
    uint32_t page = 1;
    uint32_t page_size = 0;
    bool newest_first = false;
    bool paged() const { return page_size > 0; }
    // How many pages a folder of `exists` messages has (paged only).
    uint64_t count(uint64_t exists) const { return (exists + page_size - 1) / page_size; }
};

// What `list` asks for beyond the page: extra header fields and server-side criteria.
struct ListRequest {
    ListRequest(Page p = {}) : page(p) {}  // NOLINT: a page alone is a whole request
    Page page;
    // Header field names (check_header_name), fetched with the summary; duplicates in any case
    // are asked for once.
    std::vector<std::string> headers;
    // With any(): UID SEARCH first, and the page is over the matching messages only.
    SearchCriteria search;
};

// A header field name as RFC 5322 2.2 allows it (printable ASCII but ':', at least one); else
// a Usage error for `--header`.
core::Result<void> check_header_name(std::string_view name);

// The FETCH items a summary is made of: BODY.PEEK[HEADER.FIELDS (...)] names the headers the
// summary reads and `extra`, never the body.
core::Result<std::string> summary_items(const std::vector<std::string>& extra);

// `extra`: the names of ListRequest::headers, for MessageSummary::extra_headers.
MessageSummary summarize(const imap::FetchData& f, const std::vector<std::string>& extra = {});

// EXAMINEs `folder` and fetches the page's summaries (in batches of 2000). A page past the
// last message is empty, not an error. With search criteria the page is over the UIDs that
// UID SEARCH returns (FolderListing::matched of them); a server that refuses CHARSET UTF-8
// ([BADCHARSET]) is asked the ASCII criteria alone and the non-ASCII --from/--subject are
// matched here on the decoded envelope. Errors: EXAMINE's, or the SEARCH's or FETCH's with
// the folder set.
core::Result<FolderListing> list_folder(imap::Client& client, const std::string& folder,
                                        const ListRequest& request);

// `folder` itself, or with `recursive` it and every selectable folder below it (INBOX in any
// case). NotFound when the server has no such folder.
core::Result<std::vector<std::string>> folders_to_list(imap::Client& client,
                                                       const std::string& folder, bool recursive);

}  // namespace imapmirror::queries
