#pragma once
// What `attachments` shows of one message: each attachment's part, name, type, encoding and
// size, from BODYSTRUCTURE alone, or from the message itself where the server's
// BODYSTRUCTURE cannot be read (GNU imap4d).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"

namespace imapmirror::queries {

struct Attachment {
    std::string part, filename, content_type, encoding, disposition;
    uint64_t size = 0;          // encoded octets, as the server reports
    uint64_t decoded_size = 0;  // estimate: base64 shrinks by 3/4
};

// One BODYSTRUCTURE part as an attachment: its name as a mail client shows it
// (Content-Disposition filename, else Content-Type name, RFC 2231/2047 decoded).
Attachment describe(const imap::BodyPart& part);

struct AttachmentListing {
    std::optional<uint32_t> uid, seq;  // unset: the folder has no such message
    std::vector<Attachment> attachments;
};

// The attachments of the one message in the selected folder with UID `number` (`by_uid`) or
// sequence number `number`. Where BODYSTRUCTURE cannot be parsed, the message (at most 1 GiB) is
// read into a temporary file and parsed by `mime`; if that fails too, the first error is returned.
core::Result<AttachmentListing> list_attachments(imap::Client& client, bool by_uid,
                                                 uint32_t number);

}  // namespace imapmirror::queries
