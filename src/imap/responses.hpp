#pragma once
// Typed views of the small data responses. Each parse_* takes a Response whose data_name()
// (or numbered_name()) it handles and returns a Parse error for anything malformed.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/response.hpp"

namespace imapmirror::imap {

// Capability atoms, upper-cased ("IMAP4REV1", "CONDSTORE", "AUTH=PLAIN").
struct Capabilities {
    std::set<std::string> atoms;
    bool has(std::string_view cap) const;
};
// "* CAPABILITY ..." or the args of a [CAPABILITY ...] response code.
Capabilities parse_capability_atoms(std::string_view space_separated);
core::Result<Capabilities> parse_capability(const Response& r);

// "* LIST (\HasNoChildren \Sent) "/" "Sent"" (RFC 3501 §7.2.2, RFC 6154 SPECIAL-USE).
struct ListEntry {
    std::vector<std::string> attributes;  // as sent, e.g. "\\HasNoChildren"
    std::optional<char> delimiter;        // NIL -> flat namespace
    std::string raw_name;                 // modified UTF-7, as on the wire
    std::string name;                     // decoded UTF-8 (raw_name if it does not decode)
    bool name_decoded = true;
    bool has_attribute(std::string_view a) const;  // case-insensitive
    bool selectable() const;                       // no \Noselect and no \NonExistent
    std::string special_use() const;               // "\\Sent" etc., or ""
};
core::Result<ListEntry> parse_list(const Response& r);

// "* STATUS name (MESSAGES 3 UNSEEN 1 UIDNEXT 4 UIDVALIDITY 1 HIGHESTMODSEQ 5)".
struct MailboxStatus {
    std::string raw_name;
    std::optional<uint64_t> messages, unseen, recent, uidnext, uidvalidity, highestmodseq, size;
};
core::Result<MailboxStatus> parse_status(const Response& r);

// "* SEARCH 1 2 3" and "* ESEARCH (TAG "x") UID ALL 1:3,5" -> the numbers.
core::Result<std::vector<uint32_t>> parse_search(const Response& r);
// Expands "1:3,5" (no '*') into numbers; at most `limit` of them.
core::Result<std::vector<uint32_t>> expand_sequence_set(std::string_view set, size_t limit);

// "* VANISHED (EARLIER) 1:3,5" (RFC 7162 QRESYNC): UIDs expunged; `earlier` when the server
// reports past expunges rather than ones happening now.
struct Vanished {
    bool earlier = false;
    std::vector<uint32_t> uids;
};
core::Result<Vanished> parse_vanished(const Response& r);

// What EXAMINE/SELECT told us (RFC 3501 §6.3.1, RFC 7162).
struct MailboxState {
    uint64_t exists = 0;
    std::optional<uint32_t> uidvalidity, uidnext;
    std::optional<uint64_t> highestmodseq;
    std::vector<std::string> flags;
    bool read_only = false;
    // Feeds one untagged response; ignores what is not about the mailbox state.
    void absorb(const Response& r);
};

}  // namespace imapmirror::imap
