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
    // RFC 7889 section 3.2: the largest message this folder takes; "APPENDLIMIT NIL" (no limit)
    // and no APPENDLIMIT item are both nullopt.
    std::optional<uint64_t> append_limit;
};
core::Result<MailboxStatus> parse_status(const Response& r);
// The same, and when the name is not one astring, accepts it if its atoms joined by single
// spaces equal `asked_raw_name`: GNU imap4d answers `* STATUS My Folder (MESSAGES 3)`.
core::Result<MailboxStatus> parse_status(const Response& r, std::string_view asked_raw_name);

// A sequence set kept as ranges ("1:50000000" is one range, 8 bytes, not 200 MB): a server
// decides how many numbers a set stands for, so nothing expands it before count() is checked.
class SequenceSet {
  public:
    struct Range {
        uint32_t first, last;  // first <= last
    };
    // Parses "1:3,5" (no '*'); at most `max_ranges` comma-separated parts.
    static core::Result<SequenceSet> parse(std::string_view set, size_t max_ranges = 1u << 20);
    void add(uint32_t first, uint32_t last);
    const std::vector<Range>& ranges() const { return m_ranges; }
    uint64_t count() const { return m_count; }  // numbers, duplicates counted
    // The numbers in order of the ranges; a Limit error when count() > `limit`.
    core::Result<std::vector<uint32_t>> expand(uint64_t limit) const;

  private:
    std::vector<Range> m_ranges;
    uint64_t m_count = 0;
};

// The most numbers a SEARCH, ESEARCH or VANISHED response may expand to unless the caller
// passes a tighter bound (Client::uid_search uses the folder's EXISTS plus slack): 16 M numbers
// are 64 MB.
inline constexpr uint64_t kMaxExpandedNumbers = uint64_t{16} << 20;

// "* SEARCH 1 2 3" and "* ESEARCH (TAG "x") UID ALL 1:3,5" -> the numbers. More than `limit`
// of them is a Protocol error (scope Session: the server's answer is absurd).
core::Result<std::vector<uint32_t>> parse_search(const Response& r,
                                                 uint64_t limit = kMaxExpandedNumbers);
// The same, unexpanded (ESEARCH ALL ranges, or SEARCH's numbers as one-number ranges).
core::Result<SequenceSet> parse_search_set(const Response& r);
// Expands "1:3,5" (no '*') into numbers; at most `limit` of them (a Limit error beyond,
// checked before anything is expanded).
core::Result<std::vector<uint32_t>> expand_sequence_set(std::string_view set, size_t limit);

// "* VANISHED (EARLIER) 1:3,5" (RFC 7162 QRESYNC): UIDs expunged; `earlier` when the server
// reports past expunges rather than ones happening now.
struct Vanished {
    bool earlier = false;
    std::vector<uint32_t> uids;
};
core::Result<Vanished> parse_vanished(const Response& r, uint64_t limit = kMaxExpandedNumbers);

// "* NAMESPACE (("INBOX." ".")) NIL NIL" (RFC 2342): the first personal namespace's prefix
// ("INBOX." on Courier, "" on most servers); "" when there is none or NIL.
core::Result<std::string> parse_namespace_personal(const Response& r);

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
