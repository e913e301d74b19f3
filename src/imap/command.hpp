#pragma once
// Building command arguments: astring quoting and compressed UID sets (RFC 3501 §9).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace imapmirror::imap {

// How to send a string that cannot be quoted: "{n}" waits for the server's "+" (always
// allowed), "{n+}" does not (LITERAL+, or LITERAL- up to 4096 bytes; see
// Session::non_synchronizing_literal). Session::submit handles both.
enum class LiteralForm { Synchronizing, NonSynchronizing };

// Whether 8-bit text may go in a quoted string: only valid UTF-8 after the session enabled
// UTF8=ACCEPT (RFC 6855 section 3); before that, 8-bit bytes need a literal.
enum class QuotedText { Ascii, Utf8 };

// An astring argument for `s`: the bare atom when it is one, a quoted string when it can be
// quoted (with QuotedText::Utf8 also valid UTF-8), else a literal "{n}\r\n<bytes>" (CR, LF,
// 8-bit: a folder name as some servers send it). NUL cannot be sent at all (IMAP4rev1
// literals exclude it): a Usage error.
core::Result<std::string> quote_astring(std::string_view s,
                                        LiteralForm form = LiteralForm::Synchronizing,
                                        QuotedText text = QuotedText::Ascii);

// Mailbox argument from a decoded (UTF-8) name: encoded to modified UTF-7 and quoted, or, with
// QuotedText::Utf8 (UTF8=ACCEPT enabled, RFC 6855 section 3), sent as UTF-8. "INBOX" is
// case-insensitive.
core::Result<std::string> mailbox_argument(std::string_view utf8_name,
                                           LiteralForm form = LiteralForm::Synchronizing,
                                           QuotedText text = QuotedText::Ascii);

// Compresses UIDs (any order, duplicates allowed) into a sequence set: {1,2,3,5,7,8} ->
// "1:3,5,7:8". Empty input gives "".
std::string uid_set(std::vector<uint32_t> uids);

// Splits sorted unique UIDs into chunks whose set text stays under `max_chars` (servers cap
// command line length; 1000 is safe everywhere) and at most `max_uids` UIDs each.
std::vector<std::string> uid_set_chunks(std::vector<uint32_t> uids, size_t max_uids,
                                        size_t max_chars = 1000);

}  // namespace imapmirror::imap
