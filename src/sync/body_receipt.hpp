#pragma once
// The one rule for receiving a FETCH body, shared by the export (body_fetcher) and `fetch`:
// only a message asked for, only once, only with a body; RFC822.SIZE differing from the bytes
// sent is a quirk (Exchange, DESIGN.md §5), never an error: the bytes sent are the message.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/fetch.hpp"
#include "sync/message_sink.hpp"

namespace imapmirror::sync {

// The messages one FETCH asked for, by UID or by sequence number, each received at most once.
class AskedMessages {
  public:
    AskedMessages() = default;
    AskedMessages(const std::vector<uint32_t>& uids, const std::vector<uint32_t>& seqs = {});

    // Whether this UID (asked for by UID) has been received, or given up on with settle().
    bool settled(uint32_t uid) const;
    // Marks a UID as dealt with (received, or failed for good) so it is not asked for again.
    void settle(uint32_t uid);
    // The UIDs asked for that have not been received, in order.
    std::vector<uint32_t> unsettled_uids() const;

    struct Asked {
        uint32_t number;  // a UID or a sequence number
        bool settled = false;
    };
    struct Match {
        Asked* open = nullptr;  // the entry a response settles: its UID's, else its number's
        bool asked = false;     // whether its UID or its number was asked for at all
    };
    Match match(uint32_t uid, uint32_t seq);

  private:
    std::vector<Asked> m_uids;  // sorted
    std::vector<Asked> m_seqs;  // sorted
};

struct BodyReceipt {
    enum class Kind {
        NotABody,     // no BODY[] item (a flag update), or no UID to file it under: ignored
        NotAskedFor,  // its UID (and sequence number) was not asked for
        Twice,        // asked for, but already received: the first copy is kept
        NoBody,       // BODY[] was NIL, or its literal did not arrive whole
        Body,         // the sink holds the message; take() or commit() it
    };
    Kind kind = Kind::NotABody;
    uint32_t uid = 0;
    uint32_t seq = 0;
    // RFC822.SIZE when it differs from the bytes sent (the bytes are the message).
    std::optional<uint64_t> announced_size;
};

// The quirk's name in a summary, and its one line: "the server's RFC822.SIZE differs from the
// bytes it sends (UID 7: 120 announced, 118 sent)".
inline constexpr std::string_view kSizeQuirk = "RFC822.SIZE differs from the message bytes";
std::string size_quirk_line(uint32_t uid, uint64_t announced, uint64_t sent);

// Decides what the FETCH response `f` is, settling its entry in `asked`. Unless the result is
// Body, the sink's body (if any) is discarded.
BodyReceipt receive_body(const imap::FetchData& f, MessageSink& sink, AskedMessages& asked);

}  // namespace imapmirror::sync
