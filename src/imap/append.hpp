#pragma once
// The commands that change a server, for `restore`: APPEND (RFC 3501 6.3.11, UIDPLUS
// RFC 4315, APPENDLIMIT RFC 7889, LITERAL+/LITERAL- RFC 7888), CREATE, and on Gmail SELECT and
// `UID STORE +X-GM-LABELS` (labels added, never removed). Everything else in this layer is
// read-only (client.hpp); these are kept apart so a reader sees at once which code may write.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "imap/literal_sink.hpp"
#include "imap/responses.hpp"
#include "imap/session.hpp"

namespace imapmirror::imap {

// "[APPENDUID 38505 3955]" in an APPEND's tagged OK (RFC 4315): where the message went.
struct AppendUid {
    uint32_t uidvalidity = 0;
    uint32_t uid = 0;
};
// The APPENDUID of a completion; nullopt when it has none or it does not parse (a server
// without UIDPLUS, or a MULTIAPPEND's UID set: parse_append_uids).
std::optional<AppendUid> parse_append_uid(const Completion& ok);

// The APPENDUID of a MULTIAPPEND's completion ("[APPENDUID 38505 3955:3957,3960]"), one
// AppendUid per message in the order sent; empty when it has none, does not parse, or names
// another number of UIDs than `messages` (RFC 4315: the set lists them in order).
std::vector<AppendUid> parse_append_uids(const Completion& ok, size_t messages);

// The flag list an APPEND may carry, from flags as the index keeps them ("\Seen $Work"):
// "(\Seen $Work)". `\Recent` is dropped (RFC 3501: a client cannot set it), and so is anything
// that is not a flag atom (a broken server's answer must not break the command line).
std::string append_flag_list(std::string_view flags);

// An INTERNALDATE argument, "\"03-Jan-2024 10:00:00 +0000\"", from the index's ISO 8601 UTC
// text ("2024-01-03T10:00:00Z"); nullopt when that is malformed.
std::optional<std::string> append_date(std::string_view iso8601_utc);

// The largest message the server takes (APPENDLIMIT=n); nullopt when it announces none (or
// APPENDLIMIT without a number: the limits are per mailbox, RFC 7889 3.1).
std::optional<uint64_t> append_limit(const Capabilities& caps);

// "APPEND \"INBOX/Sent\" (\\Seen) \"03-Jan-2024 10:00:00 +0000\" ": the command up to its
// literal, for Session::submit_literal. `mailbox` is the name as sent (modified UTF-7
// already, or UTF-8 with QuotedText::Utf8 once UTF8=ACCEPT is enabled); `date` may be empty
// (the server picks the time). A name that would need a literal itself is a Usage error.
core::Result<std::string> append_head(std::string_view mailbox, std::string_view flag_list,
                                      std::string_view date, QuotedText text = QuotedText::Ascii);

// The parenthesised label list of `UID STORE uid +X-GM-LABELS (...)`, from labels as the index
// keeps them (schema 007): a system label ("\\Inbox", "\\Sent", "\\Important", "\\Starred",
// "\\Draft") as the atom Gmail names it; a user label ("Projekte/Ärger") in modified UTF-7,
// always quoted, '"' and '\\' escaped. A label with a control character, or a system label
// that is not an atom, cannot be sent: a Usage error naming it.
core::Result<std::string> gmail_label_list(const std::vector<std::string>& labels);

// APPEND and CREATE (and STORE that only adds: Gmail's labels, flags a target dropped) on one
// logged-in connection. Mailbox names are
// as sent: modified UTF-7, or UTF-8 where the client enabled UTF8=ACCEPT (Client::enable_utf8).
class Writer {
  public:
    explicit Writer(Client& client) : m_client(client) {}

    struct Appended {
        Completion answer;                   // OK, NO or BAD: the caller decides what a NO costs
        std::optional<AppendUid> appenduid;  // with UIDPLUS
    };
    // APPENDs `message` (streamed from its source, never held whole) to `mailbox` (as sent).
    // A NO or BAD is returned in `answer`, not as an error; an error means the connection is
    // gone (Session::broken) or the message could not be read (which breaks it too, since the
    // literal was announced).
    core::Result<Appended> append(std::string_view mailbox, std::string_view flag_list,
                                  std::string_view date, LiteralSource& message);

    // One message of a MULTIAPPEND.
    struct Message {
        std::string flag_list, date;
        LiteralSource* source = nullptr;
    };
    struct AppendedMany {
        Completion answer;                 // OK: all were appended; NO or BAD: none (RFC 3502)
        std::vector<AppendUid> appenduid;  // one per message with UIDPLUS, else empty
    };
    // MULTIAPPEND (RFC 3502, where the server announces it): `messages` in one command, all or
    // none. Errors as append()'s.
    core::Result<AppendedMany> append_many(std::string_view mailbox,
                                           const std::vector<Message>& messages);

    // CREATE `mailbox` (as sent). Returns the completion, NO included: an existing folder is
    // the caller's to recognise (already_exists).
    core::Result<Completion> create(std::string_view mailbox);

    // SELECT `mailbox` (as sent), read-write: STORE needs it. A NO is an error (NotFound for a
    // folder that is not there), as Client::examine's.
    core::Result<MailboxState> select(std::string_view mailbox);

    // `UID STORE uid +X-GM-LABELS label_list` in the selected folder (Gmail, X-GM-EXT-1):
    // labels added, none removed. Returns the completion, NO included; an error means the
    // connection is gone.
    core::Result<Completion> add_gmail_labels(uint32_t uid, std::string_view label_list);

    // `UID STORE uid +FLAGS.SILENT flag_list` in the selected folder: flags added, none
    // removed. Returns the completion, NO included; an error means the connection is gone.
    core::Result<Completion> add_flags(uint32_t uid, std::string_view flag_list);

  private:
    Client& m_client;
};

// Whether a CREATE's NO says the folder is already there ([ALREADYEXISTS], RFC 5530, or the
// words servers without it use).
bool already_exists(const Completion& no);

}  // namespace imapmirror::imap
