#pragma once
// ASCII-only case mapping for protocol words (IMAP atoms, SASL names): independent of the
// locale, and never touching bytes above 0x7F.

#include <string>
#include <string_view>

namespace imapmirror::core {

inline char ascii_upper(char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
}

inline std::string ascii_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = ascii_upper(c);
    return out;
}

}  // namespace imapmirror::core
