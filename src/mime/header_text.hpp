#pragma once
// Decoding header text and MIME parameters to UTF-8 with GMime. Every string these functions
// return is valid UTF-8 without control characters (core::to_valid_utf8): GMime decodes the
// declared charset; bytes it leaves undecoded are taken as UTF-8, else windows-1252. An encoded
// NUL or control character (RFC 2231 `%00`, RFC 2047 `=00`) becomes U+FFFD instead of
// ending the text.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imapmirror::mime {

// RFC 2047 encoded-words (also split across folded lines, characters split across words, and
// words inside a word; mime/encoded_words.hpp) -> UTF-8; raw 8-bit text is taken as UTF-8,
// else windows-1252. Unfolds.
std::string decode_header_text(std::string_view raw);

// Address text with each domain written in IDNA's ASCII form (a label "xn--..." after an '@')
// shown in Unicode (libidn2, IDNA 2008 with TR46): "jo@xn--bcher-kva.de" -> "jo@bücher.de".
// A domain libidn2 refuses stays as written. For display and the index only: the .eml keeps
// the raw form.
std::string unicode_domains(std::string_view addresses);

// MIME parameters as raw (name, value) pairs, names lower-cased, values unquoted but not
// decoded: what IMAP BODYSTRUCTURE reports, and what parse_parameters reads from a header.
using Parameters = std::vector<std::pair<std::string, std::string>>;

// The value of parameter `name` from raw (name, value) pairs, decoding RFC 2231
// (name*=charset''..., continuations name*0*= / name*1=...) and RFC 2047 words in quoted
// values. "" when absent.
std::string decode_parameter(const Parameters& params, std::string_view name);

// The parameters of a raw Content-Type or Content-Disposition header value
// ("attachment; filename*=UTF-8''a%20b.pdf"); the leading type or disposition is skipped.
Parameters parse_parameters(std::string_view header_value);

// The name a mail client shows for a MIME part, attached messages included: the
// Content-Disposition filename, else the Content-Type name. "" when neither is there. The one
// rule for both `attachments` (BODYSTRUCTURE) and the export (message files).
std::string part_file_name(const Parameters& disposition_params,
                           const Parameters& content_type_params);

}  // namespace imapmirror::mime

namespace imapmirror::mime {

// The one unfolding rule for a header value as written (what follows the colon, continuation
// lines and line breaks included), whether GMime parsed the message or not: line breaks
// removed, tabs as spaces, each run of spaces as one, no space at either end. So a value is
// stored the same however its sender folded it.
std::string unfold_header_value(std::string_view raw);

// Splits a raw header block ("Name: value\r\n continued\r\n...") into (name, value as written)
// pairs, in order: the value is everything after the colon, its continuation lines and line
// breaks included. Lines that are not headers are skipped; stops at the blank line.
std::vector<std::pair<std::string, std::string>> split_header_block(std::string_view block);

// split_header_block with every value unfolded (unfold_header_value).
std::vector<std::pair<std::string, std::string>> parse_header_block(std::string_view block);

// The first value of header `name` (case-insensitive) from parse_header_block's result, or "".
std::string header_value(const std::vector<std::pair<std::string, std::string>>& headers,
                         std::string_view name);

}  // namespace imapmirror::mime
