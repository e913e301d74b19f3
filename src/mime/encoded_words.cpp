#include "mime/encoded_words.hpp"

#include <cstdint>
#include <optional>

#include "core/ascii.hpp"
#include "core/utf8.hpp"
#include "mime/base64_decoder.hpp"
#include "mime/charset.hpp"

namespace imapmirror::mime {

namespace {

struct EncodedWord {
    size_t end = 0;       // one past the closing "?="
    std::string charset;  // lower-case, without an RFC 2231 language
    std::string bytes;    // the decoded payload, still in `charset`
};

// Padding may be missing or early; characters outside the alphabet are skipped.
std::string decode_b(std::string_view payload) {
    std::string out;
    Base64Decoder decoder;
    decoder.decode(payload, out);
    decoder.finish(out);
    return out;
}

std::string decode_q(std::string_view payload) {
    std::string out;
    for (size_t i = 0; i < payload.size(); ++i) {
        const char c = payload[i];
        if (c == '_') {
            out += ' ';
        } else if (c == '=' && i + 2 < payload.size() &&
                   core::hex_digit_value(payload[i + 1]) >= 0 &&
                   core::hex_digit_value(payload[i + 2]) >= 0) {
            out += static_cast<char>(core::hex_digit_value(payload[i + 1]) * 16 +
                                     core::hex_digit_value(payload[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// The encoded word that starts at s[pos] ("=?"), or nullopt.
std::optional<EncodedWord> encoded_word_at(std::string_view s, size_t pos) {
    const size_t cs_begin = pos + 2;
    const size_t q1 = s.find('?', cs_begin);
    if (q1 == std::string_view::npos || q1 == cs_begin || q1 + 2 >= s.size() || s[q1 + 2] != '?')
        return std::nullopt;
    for (size_t i = cs_begin; i < q1; ++i)
        if (is_space(s[i]) || s[i] == '=')
            return std::nullopt;
    const char enc = s[q1 + 1];
    if (enc != 'b' && enc != 'B' && enc != 'q' && enc != 'Q')
        return std::nullopt;
    const size_t payload_begin = q1 + 3;
    const size_t q2 = s.find('?', payload_begin);
    if (q2 == std::string_view::npos || q2 + 1 >= s.size() || s[q2 + 1] != '=')
        return std::nullopt;
    EncodedWord w;
    w.end = q2 + 2;
    std::string_view charset = s.substr(cs_begin, q1 - cs_begin);
    charset = charset.substr(0, charset.find('*'));  // RFC 2231 section 5: charset*lang
    w.charset = core::ascii_lower(charset);
    const std::string_view payload = s.substr(payload_begin, q2 - payload_begin);
    w.bytes = enc == 'b' || enc == 'B' ? decode_b(payload) : decode_q(payload);
    return w;
}

std::string charset_to_utf8(const std::string& bytes, const std::string& charset) {
    if (auto converted = to_utf8(bytes, charset))
        return std::move(*converted);
    return core::to_valid_utf8(bytes);
}

}  // namespace

std::string decode_encoded_words(std::string_view s) {
    std::string out;
    std::string run_charset, run_bytes;  // adjacent words of one charset, not yet converted
    bool in_run = false;
    auto flush = [&] {
        if (in_run)
            out += charset_to_utf8(run_bytes, run_charset);
        run_bytes.clear();
        in_run = false;
    };
    size_t plain = 0;  // start of the text since the last word
    for (size_t i = 0; i + 1 < s.size();) {
        if (s[i] != '=' || s[i + 1] != '?') {
            ++i;
            continue;
        }
        auto word = encoded_word_at(s, i);
        if (!word) {
            ++i;
            continue;
        }
        const std::string_view between = s.substr(plain, i - plain);
        const bool adjacent = in_run && between.find_first_not_of(" \t\r\n") == std::string::npos;
        if (!adjacent || word->charset != run_charset) {
            flush();
            if (!adjacent)
                out += between;
            run_charset = word->charset;
            in_run = true;
        }
        run_bytes += word->bytes;
        i = plain = word->end;
    }
    flush();
    out += s.substr(plain);
    return out;
}

}  // namespace imapmirror::mime
