#pragma once
// `fetch`: messages of an examined folder by UID or sequence number, saved byte-exact as the
// server sends them (or converted to .msg), each received through sync::receive_body, the one
// rule the export's body_fetcher follows too (a message asked for, once, with a body; a size
// that differs from the bytes a quirk).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"

namespace imapmirror::queries {

// Where the messages go, as the command's options chose it.
struct FetchDestination {
    enum class Kind {
        Stdout,     // one message, its bytes on standard output
        File,       // one message, into `output`
        Directory,  // each message into `output`/UID.eml (or UID.msg)
    };
    Kind kind = Kind::Stdout;
    std::string output;          // the file or directory; "" for standard output
    std::string directory;       // where files are made: `output`, or a File's parent
    std::string format = "eml";  // "eml", or "msg": converted from the bytes (needs a file)
};

struct SavedMessage {
    uint32_t uid = 0, seq = 0;
    uint64_t size = 0;  // the bytes the server sent
    std::string path;   // "-" for standard output
};

// Fetches BODY.PEEK[] (no flag changes) of `uids` and `seqs` in the folder `folder` the client
// has examined, one pipelined command per message. A response not asked for, or a second copy,
// is ignored. The first RFC822.SIZE that differs from the bytes is passed to `warn` as one line
// (the bytes are saved). Returns the messages saved, in the order they came; messages that did
// not come are not an error here (see missing_message). Errors, each naming `folder`: a message
// sent without a body (NotFound, its UID), a file that cannot be written or converted (its
// UID), the server's refusal of a FETCH, a broken connection.
core::Result<std::vector<SavedMessage>> fetch_messages(
    imap::Client& client, const std::string& folder, const std::vector<uint32_t>& uids,
    const std::vector<uint32_t>& seqs, const FetchDestination& destination,
    const std::function<void(const std::string&)>& warn);

// The NotFound error for the first UID, then sequence number, asked for that is not in `saved`
// (a folder of `exists` messages), naming `folder`; nullopt when all came. Pure.
std::optional<core::Error> missing_message(const std::string& folder, uint64_t exists,
                                           const std::vector<uint32_t>& uids,
                                           const std::vector<uint32_t>& seqs,
                                           const std::vector<SavedMessage>& saved);

}  // namespace imapmirror::queries
