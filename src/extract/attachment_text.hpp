#pragma once
// The text of an attachment, for the search index: pure functions from the attachment's
// decoded bytes to text, one per kind of document. No files, no processes: the documents a
// mail brings are hostile, and `sandbox.hpp` runs the document kinds (document_text.hpp) in a
// separate program with memory and CPU limits; these functions only keep to the byte and text
// caps below.
//
// The status of each extraction is one of (schema/014's `status` column):
//   "ok"               all the text there is
//   "truncated"        text cut at a cap (text out, pages, bytes unzipped)
//   "failed:REASON"    unreadable (not a PDF, a broken zip, encrypted, crashed, over a
//                      limit of the sandbox); its text is "" or what came before the failure
//   "skipped:REASON"   not read (a kind without text, bigger than max_input, turned off)

#include <cstddef>
#include <string>
#include <string_view>

namespace imapmirror::extract {

enum class TextKind { None, Plain, Html, Message, Pdf, Ooxml, Odf };

// "none", "plain", "html", "message", "pdf", "ooxml", "odf"; and back (None when unknown).
std::string_view kind_name(TextKind kind);
TextKind kind_from_name(std::string_view name);

// Which extractor reads an attachment, from its MIME type (lower-case, no parameters) and
// its decoded file name: text/html or .htm(l) is Html; other text/* and .txt/.csv/.md/.log
// Plain; message/rfc822 or .eml Message; application/pdf or .pdf Pdf; the OOXML types or
// .docx/.docm/.xlsx/.xlsm/.pptx/.pptm Ooxml; the OpenDocument types or .odt/.ods/.odp Odf.
TextKind text_kind(std::string_view content_type, std::string_view filename);

// The kinds whose parsers are too large to trust with mail (PDF, zip + XML): run sandboxed.
bool is_document(TextKind kind);

struct ExtractLimits {
    size_t max_input = 32u << 20;     // bytes of one attachment read at all (else skipped)
    size_t max_text = 1u << 20;       // bytes of text kept per attachment (then truncated)
    size_t max_pages = 2000;          // PDF pages read
    size_t max_member = 16u << 20;    // bytes unzipped from one zip member
    size_t max_unzipped = 64u << 20;  // bytes unzipped from one zip in all
    size_t max_members = 10000;       // zip entries looked at
};

struct ExtractedText {
    std::string text;  // valid UTF-8, '\n' line breaks, at most max_text bytes
    std::string status = "ok";

    bool truncated() const { return status == "truncated"; }
};

// The text of `bytes` read as `kind`, in this process: the kinds that are not documents
// (a document kind is "skipped:read by the extraction program only"; see document_text.hpp
// and sandbox.hpp). `charset` is the declared charset of a Plain or Html part ("" when none:
// UTF-8 where valid, else windows-1252).
ExtractedText extract_text(TextKind kind, std::string_view bytes, const std::string& charset,
                           const ExtractLimits& limits);

// The pieces, each also pure.
ExtractedText plain_text(std::string_view bytes, const std::string& charset,
                         const ExtractLimits& limits);
ExtractedText html_text(std::string_view bytes, const std::string& charset,
                        const ExtractLimits& limits);
// An attached message: the values of its Subject, From, To, Cc and Date (as written), a line
// each with no label, a blank line, its body text (mime::body_text_of, TextFor::Index).
ExtractedText message_text(std::string_view bytes, const ExtractLimits& limits);

// Appends `piece` to `out.text` within `limits.max_text` (cut at a character boundary, status
// "truncated"); false once the cap is reached.
bool append_capped(ExtractedText& out, std::string_view piece, const ExtractLimits& limits);

}  // namespace imapmirror::extract
