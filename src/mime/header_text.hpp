#pragma once
// Decoding header text and MIME parameters to UTF-8 with GMime.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imapmirror::mime {

// RFC 2047 encoded-words (also split across folded lines, and the common non-conforming forms
// GMime tolerates) -> UTF-8; raw 8-bit text is taken as UTF-8, else Latin-1. Unfolds.
std::string decode_header_text(std::string_view raw);

// The value of parameter `name` from raw (name, value) pairs as IMAP BODYSTRUCTURE reports them,
// decoding RFC 2231 (name*=charset''..., continuations name*0*= / name*1=...) and RFC 2047
// words in quoted values. "" when absent.
std::string decode_parameter(const std::vector<std::pair<std::string, std::string>>& params,
                             std::string_view name);

}  // namespace imapmirror::mime

namespace imapmirror::mime {

// Splits a raw header block ("Name: value\r\n continued\r\n...") into (name, unfolded raw
// value) pairs, in order. Lines that are not headers are skipped; stops at the blank line.
std::vector<std::pair<std::string, std::string>> parse_header_block(std::string_view block);

// The first value of header `name` (case-insensitive) from parse_header_block's result, or "".
std::string header_value(const std::vector<std::pair<std::string, std::string>>& headers,
                         std::string_view name);

}  // namespace imapmirror::mime
