#pragma once
// Grouping messages into threads the way mail clients do, over the whole account.
//
// Messages are joined when they are linked through Message-ID, In-Reply-To and any entry of
// References (not just the first), so a reply whose parent was never archived still joins the
// siblings that cite the same ancestors, arrival order does not matter, and reference loops
// are harmless. Copies of one message in several folders (same Message-ID, same normalized
// subject) are one node; different messages that reuse a Message-ID are kept apart. Outlook's
// Thread-Index, and Gmail's X-GM-THRID (the conversation Gmail shows), join messages that carry
// no references at all.

#include <cstdint>
#include <string>
#include <vector>

namespace imapmirror::index {

struct ThreadInput {
    std::string message_id;  // "<id>"
    std::string in_reply_to, references, thread_index, subject;
    std::string gm_thread;  // Gmail's X-GM-THRID, "" when none
};

// Groups of indices into `messages`; every message is in exactly one group. Deterministic:
// groups ordered by their smallest index, indices ascending.
std::vector<std::vector<size_t>> group_threads(const std::vector<ThreadInput>& messages);

// The keys `m` joins a thread by; messages that share a key are one thread. "id:" with its own
// Message-ID when `own_id` (it is the first message with that ID, or a copy of that one: the
// same normalized subject), "id:" with each ID it cites (In-Reply-To, References), "ti:" with
// Outlook's conversation (the Thread-Index's first 22 bytes, in hex), "gm:" with Gmail's thread.
std::vector<std::string> thread_keys(const ThreadInput& m, bool own_id);

// "Re: Fwd: AW: Topic " -> "topic".
std::string normalize_subject(std::string_view subject);

}  // namespace imapmirror::index
