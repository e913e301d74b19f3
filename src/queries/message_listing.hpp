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

namespace imapmirror::queries {

struct MessageSummary {
    uint32_t seq = 0, uid = 0;
    std::vector<std::string> flags;
    uint64_t size = 0;
    std::optional<int64_t> internal_date;
    // Header text decoded (RFC 2047) to UTF-8.
    std::string from_name, from_email, subject, message_id, list_unsubscribe, list_unsubscribe_post;
};

struct FolderListing {
    std::string folder;
    uint64_t exists = 0;
    std::optional<uint32_t> uidvalidity;
    std::vector<MessageSummary> messages;  // in the page's order
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

// The FETCH items a summary is made of.
inline constexpr const char* kSummaryItems =
    "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE "
    "BODY.PEEK[HEADER.FIELDS (LIST-UNSUBSCRIBE LIST-UNSUBSCRIBE-POST)])";

MessageSummary summarize(const imap::FetchData& f);

// EXAMINEs `folder` and fetches the page's summaries (in batches of 2000). A page past the
// last message is empty, not an error. Errors: EXAMINE's, or the FETCH's with the folder set.
core::Result<FolderListing> list_folder(imap::Client& client, const std::string& folder,
                                        const Page& page);

// `folder` itself, or with `recursive` it and every selectable folder below it (INBOX in any
// case). NotFound when the server has no such folder.
core::Result<std::vector<std::string>> folders_to_list(imap::Client& client,
                                                       const std::string& folder, bool recursive);

}  // namespace imapmirror::queries
