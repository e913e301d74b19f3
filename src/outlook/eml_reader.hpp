#pragma once
// Reads an .eml file with GMime into the fields a .msg file holds (mail_content.hpp).

#include <string>

#include "core/error.hpp"
#include "outlook/mail_content.hpp"

namespace imapmirror::outlook {

// A .msg is made in memory: the .eml (at most max_bytes) is held while it is converted, with
// each attachment decoded once (at most the .eml's size again), so one conversion holds at most
// about twice max_bytes. libgsf's compound-file writer sorts each new storage into its parent,
// a cost that grows with the square of their number: hence max_storages.
struct ReadLimits {
    size_t max_depth = 64;             // MIME nesting, attached messages included
    uint64_t max_bytes = 64ull << 20;  // the .eml file
    size_t max_storages = 2000;        // attachments and recipients, embedded messages included
};

// Reads `path`. Body: the first text/plain and text/html parts that are not attachments
// (core::is_attachment_part), decoded from their charset to UTF-8 by GMime. Attachments: every
// other leaf, decoded; an attached message (message/rfc822) recursively as an embedded message.
// A file GMime cannot read as a message, or beyond the limits, is a Parse/Limit error of scope
// Message naming the file; nothing else fails.
core::Result<MailContent> read_eml(const std::string& path, ReadLimits limits = {});

}  // namespace imapmirror::outlook
