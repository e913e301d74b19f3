#pragma once
// Reads an archived message file with GMime: the header fields the index keeps, and every
// attachment decoded, streamed in chunks to an AttachmentOutput; an attached message is written
// as its bytes are in the file. Never loads a part's content whole: the parser keeps contents as
// ranges of the file, and they are copied a piece at a time. (GMime does hold the header
// blocks, and a multipart's preamble and epilogue, normally a line or two.)

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/message_headers.hpp"
#include "mime/body_text.hpp"

typedef struct _GMimeMessage GMimeMessage;

namespace imapmirror::mime {

// The header fields of a message GMime parsed, each read as core::kHeaderFields says from its
// values as written: the one rule for a message file and a message attached to one.
core::MessageHeaders headers_of_message(GMimeMessage* message);
// The same fields from a header block as written ("Name: value\r\n..."; it may stop at the
// blank line or run on into a body), e.g. a server's BODY[HEADER.FIELDS (...)] answer. Fields
// whose headers are absent are empty. Not made valid UTF-8 (core::to_valid_utf8 the ones shown).
core::MessageHeaders headers_of_block(std::string_view header_block);

// Every string in ParseOutcome::info and AttachmentMeta is valid UTF-8 without control
// characters, whatever the message holds (core::to_valid_utf8 at the end of
// parse_message_file): text is decoded from its declared charset, else read as UTF-8, else as
// windows-1252; NUL and other control characters become U+FFFD (TAB a space) rather than
// cutting a value short.

struct AttachmentMeta {
    std::string part;          // IMAP part number ("2", "1.3")
    std::string filename;      // decoded original name, "" when none
    std::string content_type;  // "application/pdf"
    std::string charset;       // the Content-Type's charset parameter, "" when none

    std::vector<std::string*> text_fields() { return {&part, &filename, &content_type, &charset}; }
};

// Receives each attachment's decoded bytes: begin, write..., end.
class AttachmentOutput {
  public:
    virtual ~AttachmentOutput() = default;
    virtual core::Result<void> begin(const AttachmentMeta& meta) = 0;
    virtual core::Result<void> write(std::string_view decoded) = 0;
    virtual core::Result<void> end() = 0;
};

struct ParseLimits {
    size_t max_depth = 64;    // MIME nesting
    size_t max_parts = 5000;  // leaves visited
    // Body text for the search index, from the same parse (see body_text.hpp); not read when
    // `body_text` is false.
    bool body_text = false;
    BodyLimits body;
};

struct ParseOutcome {
    core::MessageHeaders info;  // each field read as core::kHeaderFields says
    std::string parse_error;    // why the structure could not be (fully) read; "" when fine
    size_t attachments = 0;
    BodyText body;  // when ParseLimits::body_text; origin None when the message has none
};

// Parses `path`. When GMime cannot build a message, the header fields come from a plain scan
// of the header block (its first 64 KB), read by the same rules. Problems with the message itself
// go into parse_error; only errors from `out` (writing files) are returned as errors.
core::Result<ParseOutcome> parse_message_file(const std::string& path, AttachmentOutput& out,
                                              ParseLimits limits = {});

}  // namespace imapmirror::mime
