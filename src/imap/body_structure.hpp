#pragma once
// BODYSTRUCTURE (RFC 3501 §7.4.2, RFC 9051 §7.5.2) as a tree with IMAP part numbers, and the
// attachments a mail client would show, found without downloading any body.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "imap/value.hpp"

namespace imapmirror::imap {

using Params = std::vector<std::pair<std::string, std::string>>;  // names lower-cased

struct BodyPart {
    std::string part;           // "1", "1.2", "2.1.3"; "" for a multipart at the top
    std::string type, subtype;  // lower-cased: "text" / "plain", "multipart" / "mixed"
    Params params;              // Content-Type parameters, values raw
    std::string id, description, encoding;
    uint64_t size = 0;        // octets of the encoded body (0 for multiparts)
    std::string disposition;  // lower-cased, "" when absent
    Params disposition_params;
    std::vector<BodyPart> children;  // multipart children, or the body of a message/rfc822
    // The server's description of this part was unusable (GNU imap4d sends `()` for some
    // message/rfc822 bodies and empty multiparts): the part keeps its number, nothing else.
    bool malformed = false;

    bool is_multipart() const { return type == "multipart"; }
    std::string mime_type() const { return type + "/" + subtype; }
    // Parameter value by (lower-case) name from the given list; "" when absent.
    static std::string param(const Params& params, std::string_view name);
};

struct StructureLimits {
    size_t max_depth = 100;
    size_t max_parts = 10000;
};

core::Result<BodyPart> parse_body_structure(const Value& v, StructureLimits limits = {});

// Leaves a mail client lists as attachments: disposition "attachment", or any leaf with a
// file name, or a non-text leaf that is not an inline part of a multipart/alternative or
// related body; message/rfc822 parts count as one attachment each. Pre-order.
std::vector<const BodyPart*> attachment_parts(const BodyPart& root);

}  // namespace imapmirror::imap
