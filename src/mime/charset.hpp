#pragma once
// Text in a declared charset to UTF-8: the one conversion body text and RFC 2047 words share.

#include <optional>
#include <string>
#include <string_view>

namespace imapmirror::mime {

// `bytes` from `charset` to UTF-8 with iconv (GMime's charset names and aliases; an RFC 2231
// language suffix "utf-8*en" is the caller's to strip); a byte the charset does not allow
// becomes U+FFFD and the conversion goes on. nullopt when the charset is unknown here.
std::optional<std::string> to_utf8(std::string_view bytes, const std::string& charset);

}  // namespace imapmirror::mime
