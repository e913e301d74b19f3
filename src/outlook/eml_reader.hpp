#pragma once
// Reads an .eml file with GMime into the fields a .msg file holds (mail_content.hpp).

#include <string>

#include "core/error.hpp"
#include "outlook/mail_content.hpp"

namespace imapmirror::outlook {

// What a conversion holds: the .eml's header blocks and structure, its body text and HTML
// (each part at most max_body_bytes, held in UTF-8 and again in UTF-16), and one buffer while
// an attachment is copied from the .eml into the .msg (attachments are never held whole).
// A .msg (a version 3 compound file) must stay under 2 GiB: hence max_bytes. libgsf's
// compound-file writer sorts each new storage into its parent, a cost that grows with the
// square of their number: hence max_storages.
struct ReadLimits {
    size_t max_depth = 64;                 // MIME nesting, attached messages included
    uint64_t max_bytes = 1ull << 30;       // the .eml file
    uint64_t max_body_bytes = 8ull << 20;  // one body part, as encoded in the .eml
    size_t max_storages = 2000;            // attachments and recipients, embedded messages included
};

// Reads `path`; attachments are read from it again when written (MailAttachment::source), so
// the file must stay in place until then. Body: the first text/plain and text/html parts that are
// not attachments (core::is_attachment_part), decoded from their charset to UTF-8 by GMime.
// Attachments: every other leaf, decoded; an attached message (message/rfc822) recursively as an
// embedded message. A file GMime cannot read as a message, or beyond the limits, is a Parse/Limit
// error of scope Message naming the file; nothing else fails.
core::Result<MailContent> read_eml(const std::string& path, ReadLimits limits = {});

}  // namespace imapmirror::outlook
