#include "imap/mutf7.hpp"

#include <vector>

#include "core/utf8.hpp"

namespace imapmirror::imap {

using core::ErrorKind;
using core::make_error;

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == ',')
        return 63;
    return -1;
}

void flush_b64(std::string& out, const std::vector<uint16_t>& units) {
    std::string bytes;
    for (uint16_t u : units) {
        bytes += static_cast<char>(u >> 8);
        bytes += static_cast<char>(u & 0xFF);
    }
    out += '&';
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char b : bytes) {
        acc = (acc << 8) | b;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kB64[(acc >> bits) & 0x3F];
        }
    }
    if (bits > 0)
        out += kB64[(acc << (6 - bits)) & 0x3F];
    out += '-';
}

}  // namespace

core::Result<std::string> mutf7_encode(std::string_view in) {
    std::string out;
    std::vector<uint16_t> pending;
    for (size_t i = 0; i < in.size();) {
        auto c = static_cast<unsigned char>(in[i]);
        if (c >= 0x20 && c <= 0x7E) {
            if (!pending.empty()) {
                flush_b64(out, pending);
                pending.clear();
            }
            out += c == '&' ? std::string("&-") : std::string(1, static_cast<char>(c));
            ++i;
            continue;
        }
        uint32_t cp;
        size_t n;
        if (c < 0x80) {
            cp = c;  // control characters are encoded too (RFC 3501: only 0x20-0x7e are direct)
            n = 1;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            n = 2;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            n = 3;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07;
            n = 4;
        } else {
            return make_error(ErrorKind::Parse, "folder name is not valid UTF-8");
        }
        if (i + n > in.size())
            return make_error(ErrorKind::Parse, "folder name is not valid UTF-8");
        for (size_t k = 1; k < n; ++k) {
            auto cc = static_cast<unsigned char>(in[i + k]);
            if ((cc & 0xC0) != 0x80)
                return make_error(ErrorKind::Parse, "folder name is not valid UTF-8");
            cp = (cp << 6) | (cc & 0x3F);
        }
        static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        if ((n > 1 && cp < kMin[n]) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return make_error(ErrorKind::Parse, "folder name is not valid UTF-8");
        if (cp >= 0x10000) {
            cp -= 0x10000;
            pending.push_back(static_cast<uint16_t>(0xD800 | (cp >> 10)));
            pending.push_back(static_cast<uint16_t>(0xDC00 | (cp & 0x3FF)));
        } else {
            pending.push_back(static_cast<uint16_t>(cp));
        }
        i += n;
    }
    if (!pending.empty())
        flush_b64(out, pending);
    return out;
}

core::Result<std::string> mutf7_decode(std::string_view in) {
    std::string out;
    auto bad = [&](const char* why) {
        return make_error(ErrorKind::Parse, std::string("malformed modified UTF-7 folder name (") +
                                                why + "): " + std::string(in));
    };
    for (size_t i = 0; i < in.size();) {
        char c = in[i];
        if (c != '&') {
            auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u > 0x7E)
                return bad("8-bit or control character");
            out += c;
            ++i;
            continue;
        }
        size_t end = in.find('-', i + 1);
        if (end == std::string_view::npos)
            return bad("'&' without '-'");
        if (end == i + 1) {
            out += '&';
            i = end + 1;
            continue;
        }
        uint32_t acc = 0;
        int bits = 0;
        std::vector<uint16_t> units;
        for (size_t k = i + 1; k < end; ++k) {
            int v = b64_value(in[k]);
            if (v < 0)
                return bad("bad base64");
            acc = (acc << 6) | static_cast<uint32_t>(v);
            bits += 6;
            if (bits >= 16) {
                bits -= 16;
                units.push_back(static_cast<uint16_t>((acc >> bits) & 0xFFFF));
            }
        }
        if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
            return bad("bad base64 padding");
        for (size_t k = 0; k < units.size(); ++k) {
            uint32_t u = units[k];
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (k + 1 >= units.size() || units[k + 1] < 0xDC00 || units[k + 1] > 0xDFFF)
                    return bad("unpaired surrogate");
                u = 0x10000 + ((u - 0xD800) << 10) + (units[k + 1] - 0xDC00);
                ++k;
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                return bad("unpaired surrogate");
            } else if (u >= 0x20 && u <= 0x7E) {
                return bad("printable ASCII must not be encoded");
            }
            core::append_utf8(out, u);
        }
        i = end + 1;
    }
    return out;
}

}  // namespace imapmirror::imap
