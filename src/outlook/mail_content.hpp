#pragma once
// What a .msg file says about a message, read from its .eml (eml_reader) and written as
// MS-OXMSG properties (msg_writer). Every string is valid UTF-8.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace imapmirror::outlook {

struct Mailbox {
    std::string name;     // display name, "" when the header gave none
    std::string address;  // "user@example.org"
};

enum class RecipientKind : uint32_t { To = 1, Cc = 2, Bcc = 3 };  // PidTagRecipientType values

struct Recipient {
    RecipientKind kind = RecipientKind::To;
    Mailbox mailbox;
};

struct MailContent;

// An attachment's decoded bytes, read from the .eml when the .msg is written rather than held:
// a large attachment then costs a buffer, not its size in memory.
class AttachmentSource {
  public:
    virtual ~AttachmentSource() = default;
    // Calls `write` with the decoded bytes in order, a piece at a time, and returns their
    // total; stops at the first `write` that returns false (its caller keeps the reason).
    virtual core::Result<uint64_t> copy_to(const std::function<bool(std::string_view)>& write) = 0;
};

struct MailAttachment {
    std::string filename;    // decoded name, "" when the part has none
    std::string mime_type;   // "image/png"
    std::string content_id;  // without angle brackets, "" when none
    bool is_inline = false;  // shown in the body (Content-Disposition inline or a CID part)
    std::string data;        // decoded bytes, when `source` is not set
    std::shared_ptr<AttachmentSource> source;  // decoded bytes read on demand (eml_reader)
    std::shared_ptr<MailContent> message;      // set for message/rfc822: an embedded message
};

struct MailContent {
    std::string subject;
    std::optional<Mailbox> from;
    std::vector<Recipient> recipients;  // To, then Cc, then Bcc, in header order
    std::optional<int64_t> sent;        // Date header, Unix seconds
    std::optional<int64_t> received;    // the newest Received header's date, else `sent`
    std::string message_id;             // "<id@host>", "" when none
    std::string in_reply_to;
    std::string references;
    std::vector<Mailbox> reply_to;       // Reply-To, in header order
    std::optional<uint32_t> importance;  // PidTagImportance: 0 low, 1 normal, 2 high
    std::optional<int32_t> priority;     // PidTagPriority: -1 non-urgent, 0 normal, 1 urgent
    std::string conversation_index;      // PidTagConversationIndex (outlook_fields.hpp)
    std::string message_class = "IPM.Note";
    std::string transport_headers;  // the header block as written (decoded for display)
    std::string body_text;          // text/plain decoded to UTF-8, "" when none
    std::string body_html;          // text/html decoded to UTF-8, "" when none
    std::vector<MailAttachment> attachments;
};

}  // namespace imapmirror::outlook
