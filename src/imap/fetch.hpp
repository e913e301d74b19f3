#pragma once
// The items of one "* n FETCH (...)" response (RFC 3501 §7.4.2, RFC 7162 MODSEQ, Gmail X-GM-*).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/body_structure.hpp"
#include "imap/envelope.hpp"
#include "imap/response.hpp"

namespace imapmirror::imap {

struct FetchSection {
    std::string name;    // the item as sent, e.g. "BODY[]", "BODY[HEADER.FIELDS (X)]"
    const Value* value;  // String, Nil or Streamed; points into the Response
};

// The most X-GM-LABELS kept for one message: Gmail allows some thousands of labels per
// account, real messages carry a handful, and each kept label is held until the message's
// batch is committed. The first ones are kept; FetchData::gm_labels_cut says there were more.
inline constexpr size_t kMaxGmLabels = 500;

struct FetchData {
    uint32_t seq = 0;
    std::optional<uint32_t> uid;
    std::optional<std::vector<std::string>> flags;
    std::optional<std::string> internal_date;  // as sent: "17-Jul-1996 02:44:25 -0700"
    std::optional<uint64_t> size;              // RFC822.SIZE
    std::optional<uint64_t> modseq;
    std::optional<uint64_t> gm_msgid, gm_thrid;
    // X-GM-LABELS: atoms or strings; user labels decoded from modified UTF-7 to UTF-8 (kept as
    // sent when they do not decode), system labels as sent ("\Inbox", "\Important").
    // At most kMaxGmLabels.
    std::optional<std::vector<std::string>> gm_labels;
    bool gm_labels_cut = false;  // the server sent more than kMaxGmLabels
    std::optional<Envelope> envelope;
    std::optional<BodyPart> body_structure;
    std::vector<FetchSection> sections;  // BODY[...] / BINARY[...] / RFC822* items

    const FetchSection* section(std::string_view name) const;  // case-insensitive
};

// True for "* n FETCH (...)".
bool is_fetch(const Response& r);
// Parses a FETCH response; `r` must outlive the result (sections point into it).
core::Result<FetchData> parse_fetch(const Response& r);

}  // namespace imapmirror::imap
