#include "index/cjk_grams.hpp"

#include <vector>

#include "core/utf8.hpp"

namespace imapmirror::index {

namespace {

// The code point of the valid sequence of `n` bytes at s[i].
uint32_t decode(std::string_view s, size_t i, size_t n) {
    const auto b = [&](size_t k) {
        return static_cast<uint32_t>(static_cast<unsigned char>(s[i + k]));
    };
    switch (n) {
        case 1:
            return b(0);
        case 2:
            return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
        case 3:
            return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        default:
            return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) |
                   (b(3) & 0x3F);
    }
}

// Calls run(chars) for every maximal CJK run (each character as its UTF-8 bytes) and
// other(bytes) for the text between runs.
template <class Run, class Other>
void for_each_run(std::string_view s, Run run, Other other) {
    std::vector<std::string_view> chars;  // the run being read
    size_t plain_begin = 0;               // where the text since the last run begins
    for (size_t i = 0; i < s.size();) {
        const size_t n = core::utf8_sequence_length(s, i);
        const bool cjk = n > 0 && is_cjk(decode(s, i, n));
        const size_t step = n == 0 ? 1 : n;  // an invalid byte is other text
        if (cjk) {
            if (chars.empty() && i > plain_begin)
                other(s.substr(plain_begin, i - plain_begin));
            chars.push_back(s.substr(i, n));
        } else if (!chars.empty()) {
            run(chars);
            chars.clear();
            plain_begin = i;
        }
        i += step;
    }
    if (!chars.empty())
        run(chars);
    else if (plain_begin < s.size())
        other(s.substr(plain_begin));
}

std::string bigrams_of(const std::vector<std::string_view>& chars) {
    if (chars.size() == 1)
        return std::string(chars.front());
    std::string out;
    for (size_t k = 0; k + 1 < chars.size(); ++k) {
        if (!out.empty())
            out += ' ';
        out += chars[k];
        out += chars[k + 1];
    }
    return out;
}

}  // namespace

bool is_cjk(uint32_t cp) {
    return (cp >= 0x3040 && cp <= 0x30FF) ||  // hiragana, katakana
           (cp >= 0x3400 && cp <= 0x4DBF) ||  // Han extension A
           (cp >= 0x4E00 && cp <= 0x9FFF) ||  // Han
           (cp >= 0x1100 && cp <= 0x11FF) ||  // hangul jamo
           (cp >= 0x3130 && cp <= 0x318F) ||  // hangul compatibility jamo
           (cp >= 0xAC00 && cp <= 0xD7AF) ||  // hangul syllables
           (cp >= 0xF900 && cp <= 0xFAFF) ||  // Han compatibility
           (cp >= 0xFF66 && cp <= 0xFF9F) ||  // half-width katakana
           (cp >= 0x20000 && cp <= 0x2FA1F);  // Han extensions B and later
}

std::string cjk_bigrams(std::string_view utf8) {
    std::string out;
    for_each_run(
        utf8,
        [&](const std::vector<std::string_view>& chars) {
            if (!out.empty())
                out += ' ';
            out += bigrams_of(chars);
        },
        [](std::string_view) {});
    return out;
}

CjkSplit split_cjk(std::string_view word) {
    CjkSplit out;
    for_each_run(
        word,
        [&](const std::vector<std::string_view>& chars) {
            if (!out.cjk.empty())
                out.cjk += ' ';
            out.cjk += '"' + bigrams_of(chars) + '"';
            out.rest += ' ';
        },
        [&](std::string_view other) { out.rest += other; });
    return out;
}

}  // namespace imapmirror::index
