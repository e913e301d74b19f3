#include "mime/charset.hpp"

#include <gmime/gmime.h>
#include <iconv.h>

#include <cerrno>

#include "core/utf8.hpp"
#include "mime/gmime_init.hpp"

namespace imapmirror::mime {

std::optional<std::string> to_utf8(std::string_view bytes, const std::string& charset) {
    ensure_gmime();
    iconv_t cd = g_mime_iconv_open("UTF-8", charset.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1))
        return std::nullopt;
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 2);
    char* in = const_cast<char*>(bytes.data());
    size_t inleft = bytes.size();
    char buf[16 * 1024];
    while (inleft > 0) {
        char* o = buf;
        size_t oleft = sizeof buf;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        out.append(buf, static_cast<size_t>(o - buf));
        if (r != static_cast<size_t>(-1))
            continue;
        if (errno == E2BIG)
            continue;
        if (errno == EILSEQ) {
            out += core::kReplacementChar;
            ++in;
            --inleft;
            continue;
        }
        break;  // EINVAL: a sequence cut at the end (by our size cap)
    }
    char* o = buf;
    size_t oleft = sizeof buf;
    iconv(cd, nullptr, nullptr, &o, &oleft);  // shift sequences back to the initial state
    out.append(buf, static_cast<size_t>(o - buf));
    g_mime_iconv_close(cd);
    return out;
}

}  // namespace imapmirror::mime
