#pragma once
// What the fuzz targets assert beyond "no crash". A failed check prints what broke and aborts,
// which libFuzzer reports as a crash and saves the input for. Unlike assert(), it stays on in
// release builds (NDEBUG).

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/utf8.hpp"

namespace imapmirror::fuzz {

inline void check(bool ok, const char* what) {
    if (ok)
        return;
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
}

inline bool is_valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        size_t n = core::utf8_sequence_length(s, i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

// Valid UTF-8 with no control character (C0 including TAB and NUL, DEL, C1): what
// core::to_valid_utf8 promises and the MIME layer hands to the index.
inline bool is_clean_text(std::string_view s) {
    if (!is_valid_utf8(s))
        return false;
    for (size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F)
            return false;
        if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F)
            return false;  // U+0080..U+009F
    }
    return true;
}

}  // namespace imapmirror::fuzz
