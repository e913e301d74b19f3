#include "mime/header_text.hpp"

#include <gmime/gmime.h>

#include <memory>

#include "mime/gmime_init.hpp"

namespace imapmirror::mime {

namespace {
struct GFree {
    void operator()(char* p) const { g_free(p); }
};
struct ParamListUnref {
    void operator()(GMimeParamList* p) const { g_object_unref(p); }
};

bool is_token(std::string_view v) {
    if (v.empty())
        return false;
    for (char c : v) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F ||
            std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos)
            return false;
    }
    return true;
}

std::string unfold(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '\r' || c == '\n')
            continue;
        out += c;
    }
    return out;
}
}  // namespace

std::string decode_header_text(std::string_view raw) {
    ensure_gmime();
    std::string text = unfold(raw);
    std::unique_ptr<char, GFree> decoded(g_mime_utils_header_decode_text(nullptr, text.c_str()));
    return decoded ? std::string(decoded.get()) : text;
}

std::string decode_parameter(const std::vector<std::pair<std::string, std::string>>& params,
                             std::string_view name) {
    ensure_gmime();
    // Rebuild a parameter list as it would appear in a header and let GMime's parser, which
    // knows RFC 2231 continuations, charsets and the usual breakage, do the decoding.
    std::string list;
    for (const auto& [k, v] : params) {
        if (!list.empty())
            list += "; ";
        list += k + "=";
        bool extended = !k.empty() && k.back() == '*';
        if (extended || is_token(v)) {
            list += v;
        } else {
            list += '"';
            for (char c : v) {
                if (c == '"' || c == '\\')
                    list += '\\';
                if (c == '\r' || c == '\n')
                    continue;
                list += c;
            }
            list += '"';
        }
    }
    std::unique_ptr<GMimeParamList, ParamListUnref> parsed(
        g_mime_param_list_parse(nullptr, list.c_str()));
    if (!parsed)
        return {};
    std::string wanted(name);
    GMimeParam* p = g_mime_param_list_get_parameter(parsed.get(), wanted.c_str());
    if (!p)
        return {};
    const char* value = g_mime_param_get_value(p);
    return value ? std::string(value) : std::string();
}

}  // namespace imapmirror::mime

namespace imapmirror::mime {

namespace {
bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (g_ascii_tolower(a[i]) != g_ascii_tolower(b[i]))
            return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}
}  // namespace

std::vector<std::pair<std::string, std::string>> parse_header_block(std::string_view block) {
    std::vector<std::pair<std::string, std::string>> out;
    size_t pos = 0;
    while (pos < block.size()) {
        size_t eol = block.find('\n', pos);
        if (eol == std::string_view::npos)
            eol = block.size();
        std::string_view line = block.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.empty())
            break;
        if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) {
            out.back().second += ' ';
            out.back().second += trim(line);
            continue;
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            continue;
        out.emplace_back(std::string(trim(line.substr(0, colon))),
                         std::string(trim(line.substr(colon + 1))));
    }
    return out;
}

std::string header_value(const std::vector<std::pair<std::string, std::string>>& headers,
                         std::string_view name) {
    for (const auto& [k, v] : headers)
        if (iequal(k, name))
            return v;
    return {};
}

}  // namespace imapmirror::mime
