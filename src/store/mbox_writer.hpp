#pragma once
// One mbox file per folder for `dump --format mbox` (DESIGN.md section 7): mboxrd (RFC 4155,
// a line matching ^>*From  gets one more '>', which readers undo), each message after a
// "From ADDRESS DATE" line and followed by one empty line. Line endings are Unix ones: every
// CRLF of a message becomes LF (a lone CR or LF is kept), and a message that does not end
// with a line break gets one LF. The file is written under a temporary name and renamed
// when complete, so a reader never sees half a folder.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "store/archive_root.hpp"
#include "store/temp_file_at.hpp"

namespace imapmirror::store {

// "From joerg@example.de Wed Jan  3 10:00:00 2024\n": the address inside the last <...> of
// `from_addr` (the From header as the index keeps it), or all of it when it is a bare address;
// "MAILER-DAEMON" when there is none or it holds white space or control characters. The date
// is `internal_date_iso` ("2024-01-03T10:00:00Z", UTC) in asctime form; the Unix epoch when
// it is missing or unparseable.
std::string mbox_from_line(std::string_view from_addr, std::string_view internal_date_iso);

// "X-Mozilla-Status: 0005\n" for Thunderbird's import: read (\Seen 0x0001), replied
// (\Answered 0x0002), flagged (\Flagged 0x0004), forwarded ($Forwarded 0x1000).
std::string mozilla_status_line(std::string_view imap_flags);

// A message body as mboxrd text, fed in chunks of any size (a message is never held whole):
// `>From ` quoting and CRLF to LF, whatever the chunk boundaries.
class MboxrdEncoder {
  public:
    // Appends the encoding of `in` to `out`.
    void feed(std::string_view in, std::string& out);
    // Appends what is held back and, unless the text ended with LF, one LF. Ready for the
    // next message afterwards.
    void finish(std::string& out);

  private:
    void quote(char c, std::string& out);
    void flush_prefix(std::string& out);
    bool m_pending_cr = false;
    bool m_at_line_start = true;
    size_t m_quotes = 0;   // '>' seen at the start of the line
    size_t m_matched = 0;  // characters of "From " seen after them
    char m_last = '\n';    // the last character written ('\n' before any)
};

// An mbox file being written.
class MboxWriter {
  public:
    // Starts a temporary file in `dir_fd`; `shown_dir` names it in errors.
    static core::Result<MboxWriter> create(int dir_fd, std::string shown_dir);

    struct Message {
        std::string from_addr, internal_date, flags;
    };
    // Appends one message read from `source_fd` to its end. `mozilla_status` adds
    // mozilla_status_line as the message's first line.
    core::Result<void> add(const Message& message, int source_fd, const std::string& shown_source,
                           bool mozilla_status);
    // Makes the file durable and renames it to `name` in `dir_fd`, replacing the older dump.
    core::Result<void> commit(int dir_fd, const std::string& name, const std::string& shown_name);

  private:
    explicit MboxWriter(TempFileAt file) : m_file(std::move(file)) {}
    TempFileAt m_file;
    MboxrdEncoder m_encoder;
};

}  // namespace imapmirror::store
