#include "mime/base64_decoder.hpp"

#include <array>

namespace imapmirror::mime {

namespace {

constexpr uint32_t kInvalid = 0x80000000u;

// kTables[k][c]: character c's 6-bit value at position k of a group, shifted into place, so a
// whole group is four lookups ORed; kInvalid marks anything outside the alphabet.
constexpr std::array<std::array<uint32_t, 256>, 4> make_tables() {
    std::array<std::array<uint32_t, 256>, 4> t{};
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (auto& row : t)
        for (auto& v : row)
            v = kInvalid;
    for (uint32_t i = 0; i < kAlphabet.size(); ++i) {
        auto c = static_cast<unsigned char>(kAlphabet[i]);
        for (int k = 0; k < 4; ++k)
            t[k][c] = i << (6 * (3 - k));
    }
    return t;
}

constexpr auto kTables = make_tables();

}  // namespace

void Base64Decoder::flush_group(std::string& out) {
    // 2 characters hold 1 byte, 3 hold 2; a lone one holds nothing.
    if (m_count >= 2) {
        uint32_t v = m_bits << (6 * (4 - m_count));
        out.push_back(static_cast<char>(v >> 16));
        if (m_count == 3)
            out.push_back(static_cast<char>((v >> 8) & 0xff));
    }
    m_bits = 0;
    m_count = 0;
}

void Base64Decoder::decode(std::string_view in, std::string& out) {
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const auto* end = p + in.size();
    const size_t base = out.size();
    out.resize(base + in.size() / 4 * 3 + 3);
    char* w = out.data() + base;
    while (p < end) {
        // Fast path: whole groups of four alphabet characters.
        if (m_count == 0) {
            while (end - p >= 4) {
                uint32_t v =
                    kTables[0][p[0]] | kTables[1][p[1]] | kTables[2][p[2]] | kTables[3][p[3]];
                if (v & kInvalid)
                    break;
                w[0] = static_cast<char>(v >> 16);
                w[1] = static_cast<char>((v >> 8) & 0xff);
                w[2] = static_cast<char>(v & 0xff);
                w += 3;
                p += 4;
            }
            if (p == end)
                break;
        }
        // One character at a time: line breaks, padding, a group split across calls.
        const unsigned char c = *p++;
        const uint32_t v = kTables[3][c];
        if (v != kInvalid) {
            m_bits = (m_bits << 6) | v;
            if (++m_count == 4) {
                w[0] = static_cast<char>(m_bits >> 16);
                w[1] = static_cast<char>((m_bits >> 8) & 0xff);
                w[2] = static_cast<char>(m_bits & 0xff);
                w += 3;
                m_bits = 0;
                m_count = 0;
            }
        } else if (c == '=') {
            const size_t at = static_cast<size_t>(w - out.data());
            out.resize(at);
            flush_group(out);
            const size_t now = out.size();
            out.resize(now + static_cast<size_t>(end - p) / 4 * 3 + 3);
            w = out.data() + now;
        }
    }
    out.resize(static_cast<size_t>(w - out.data()));
}

void Base64Decoder::finish(std::string& out) {
    flush_group(out);
}

}  // namespace imapmirror::mime
