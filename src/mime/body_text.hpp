#pragma once
// The text a person reads in a message: its text/plain body decoded to UTF-8, or its text/html
// body converted to plain text by an HTML5 parser (gumbo). For the search index and `show`.
//
// Which parts are the body: every leaf that is not an attachment (core::is_attachment_part)
// and is text/plain or text/html, in order, separated by a blank line; in a
// multipart/alternative only one child: its text/plain one when it has one (the sender's own
// plain text), else the last child that gives text (RFC 2046: the richest). An attached
// message (message/rfc822) follows its parent's text: its header fields, then its own body.
//
// Limits (BodyLimits): at most `max_text` bytes of text are kept (cut at a character
// boundary, `truncated` set); an HTML part is read up to `max_html` decoded bytes and parsed
// from that one copy; a plain part is decoded in 64 KB chunks, never whole. The text is valid
// UTF-8 with '\n' line breaks and no other control characters.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

typedef struct _GMimeObject GMimeObject;

namespace imapmirror::mime {

enum class BodyOrigin { None, Plain, Html };

// "plain", "html", "none": the `origin` column of schema/006.
std::string_view origin_name(BodyOrigin origin);

struct BodyText {
    std::string text;
    BodyOrigin origin = BodyOrigin::None;  // Html when any of the text came from HTML
    bool truncated = false;                // the body had more text than max_text
};

// Who reads the text. A person (`show`) is told where an attached message begins (a line
// "---------- Attached message ----------") and which header field is which ("From: ...").
// The search index gets the From, To, Cc and Subject values alone, one a line: the banner's
// and the labels' words ("attached", "message", "from", "subject", "date") would otherwise
// match every message that forwards one, and the Date, which search filters by
// after:/before:, would add only number tokens. The index also gets, after a
// multipart/alternative's plain text, the lines of its HTML alternative that hold a word the
// plain text lacks (origin then Html): mail programs show the HTML, so its words are searched.
enum class TextFor { Reader, Index };

struct BodyLimits {
    size_t max_text = 1 << 20;  // 1 MiB of text per message
    size_t max_html = 8 << 20;  // 8 MiB of decoded HTML per part
};

// HTML (UTF-8) as readable text: block elements on their own lines (a blank line around
// paragraphs and headings), <br> a line break, list items as "- " or "1. ", table rows as
// lines with cells two spaces apart, a link as "text <url>" (http, https, mailto; not when the
// text is the URL), <img alt> as "[alt]"; script, style, head, template and hidden content
// (the `hidden` attribute, display:none, visibility:hidden, aria-hidden) dropped; entities
// decoded; white space collapsed outside <pre>. At most `max_text` bytes (truncated set).
BodyText html_to_text(std::string_view html, size_t max_text = BodyLimits{}.max_text);

// The body text of a parsed message's MIME tree (g_mime_message_get_mime_part).
BodyText body_text_of(GMimeObject* body, TextFor reader, const BodyLimits& limits);

// Where Python's email ends a header block early: at the first line before the blank line
// that is no header field (not "Name:", not a continuation, not a leading "From "), which it
// reads as the first line of the body (MissingHeaderBodySeparatorDefect); nullopt for a
// proper header block. `head` is the start of the message.
std::optional<size_t> stray_body_start(std::string_view head);

// The body text of a message file whose header block has such a line: the text from it to
// the end, transfer-decoded and converted as the header fields before it declare (as
// Python's email reads it, where GMime takes the rest for header fields and loses the text).
// nullopt for a proper header block, for a multipart, whose parts GMime finds anyway, and
// where a Content-Type follows the stray line (the MIME structure GMime reads is kept).
std::optional<BodyText> stray_line_body_text(const std::string& path, const BodyLimits& limits);

// Parses the message file at `path` for its body text alone (no attachment is decoded).
// A message GMime cannot parse has no body text (origin None); an unreadable file is an Io
// error.
core::Result<BodyText> read_body_text(const std::string& path, TextFor reader,
                                      const BodyLimits& limits = {});

// The transfer-decoded bytes of the message's first text/html body part, in its own charset
// (declared in `charset`, "" when none), for `show --html`. NotFound when it has none.
struct HtmlPart {
    std::string html, charset;
};
core::Result<HtmlPart> read_html_part(const std::string& path,
                                      size_t max_bytes = BodyLimits{}.max_html);

}  // namespace imapmirror::mime
