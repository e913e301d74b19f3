#pragma once
// ENVELOPE (RFC 3501 §7.4.2). Strings are as the server sent them: header text still
// RFC 2047-encoded (mime::decode_header_text decodes it).

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/value.hpp"

namespace imapmirror::imap {

struct Address {
    std::string name;     // display name, raw
    std::string mailbox;  // local part
    std::string host;
    // "mailbox@host" (or just mailbox when host is empty).
    std::string email() const;
};

struct Envelope {
    std::string date, subject, in_reply_to, message_id;
    std::vector<Address> from, sender, reply_to, to, cc, bcc;
};

core::Result<Envelope> parse_envelope(const Value& v);

}  // namespace imapmirror::imap
