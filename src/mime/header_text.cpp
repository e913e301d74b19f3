#include "mime/header_text.hpp"

#include <gmime/gmime.h>
#include <idn2.h>

#include <algorithm>
#include <memory>

#include "core/utf8.hpp"
#include "mime/encoded_words.hpp"
#include "mime/glib_ptr.hpp"
#include "mime/gmime_init.hpp"

namespace imapmirror::mime {

namespace {
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

// GMime returns C strings, so a decoded NUL would end the text there. Encoded NULs are turned
// into SUB (0x1A) before decoding, a control character in every ASCII-based charset, which
// to_valid_utf8 then shows as U+FFFD. `escape` is '=' for RFC 2047 Q words, '%' for RFC 2231.
void replace_encoded_nul(std::string& s, size_t from, size_t to, char escape) {
    for (size_t i = from; i + 2 < std::min(to, s.size()); ++i) {
        if (s[i] == escape && s[i + 1] == '0' && s[i + 2] == '0') {
            s[i + 1] = '1';
            s[i + 2] = 'A';
        }
    }
}

// Raw NULs become SUB too, and `=00` inside Q-encoded words (outside UTF-16/32, where NUL
// bytes are part of the characters).
std::string protect_nul(std::string s) {
    for (char& c : s)
        if (c == '\0')
            c = '\x1A';
    size_t pos = 0;
    while ((pos = s.find("=?", pos)) != std::string::npos) {
        size_t q1 = s.find('?', pos + 2);
        if (q1 == std::string::npos || q1 + 2 >= s.size() || s[q1 + 2] != '?')
            break;
        size_t end = s.find("?=", q1 + 3);
        if (end == std::string::npos)
            break;
        std::string charset(s, pos + 2, q1 - pos - 2);
        for (char& c : charset)
            c = static_cast<char>(g_ascii_tolower(c));
        bool wide = charset.rfind("utf-16", 0) == 0 || charset.rfind("utf-32", 0) == 0 ||
                    charset.rfind("ucs", 0) == 0;
        if ((s[q1 + 1] == 'q' || s[q1 + 1] == 'Q') && !wide)
            replace_encoded_nul(s, q1 + 3, end, '=');
        pos = end + 2;
    }
    return s;
}
}  // namespace

std::string decode_header_text(std::string_view raw) {
    ensure_gmime();
    return core::to_valid_utf8(decode_encoded_words(protect_nul(unfold(raw))));
}

std::string decode_parameter(const Parameters& params, std::string_view name) {
    ensure_gmime();
    // Rebuild a parameter list as it would appear in a header and let GMime's parser, which
    // knows RFC 2231 continuations, charsets and the usual breakage, do the decoding.
    std::string list;
    for (const auto& [k, v] : params) {
        if (!list.empty())
            list += "; ";
        list += k + "=";
        bool extended = !k.empty() && k.back() == '*';
        if (extended) {
            std::string value = v;
            replace_encoded_nul(value, 0, value.size(), '%');
            list += value;
        } else if (is_token(v)) {
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
    list = protect_nul(std::move(list));
    std::unique_ptr<GMimeParamList, ParamListUnref> parsed(
        g_mime_param_list_parse(nullptr, list.c_str()));
    if (!parsed)
        return {};
    std::string wanted(name);
    GMimeParam* p = g_mime_param_list_get_parameter(parsed.get(), wanted.c_str());
    if (!p)
        return {};
    const char* value = g_mime_param_get_value(p);
    return value ? core::to_valid_utf8(value) : std::string();
}

std::string unicode_domains(std::string_view addresses) {
    std::string out;
    size_t pos = 0;
    for (size_t at; (at = addresses.find('@', pos)) != std::string_view::npos;) {
        const size_t begin = at + 1;
        size_t end = addresses.find_first_of(" \t>,;\"()[]<", begin);
        if (end == std::string_view::npos)
            end = addresses.size();
        out += addresses.substr(pos, begin - pos);
        const std::string domain(addresses.substr(begin, end - begin));
        GCharPtr folded(g_ascii_strdown(domain.c_str(), static_cast<gssize>(domain.size())));
        char* unicode = nullptr;
        if (folded && std::string_view(folded.get()).find("xn--") != std::string_view::npos &&
            idn2_to_unicode_8z8z(folded.get(), &unicode, 0) == IDN2_OK && unicode &&
            core::to_valid_utf8(unicode) == unicode)
            out += unicode;
        else
            out += domain;
        idn2_free(unicode);
        pos = end;
    }
    out += addresses.substr(pos);
    return out;
}

Parameters parse_parameters(std::string_view header_value) {
    Parameters out;
    size_t i = header_value.find(';');
    while (i != std::string_view::npos && i < header_value.size()) {
        ++i;  // past ';'
        while (i < header_value.size() &&
               std::string_view(" \t\r\n").find(header_value[i]) != std::string_view::npos)
            ++i;
        size_t eq = header_value.find_first_of("=;", i);
        if (eq == std::string_view::npos || header_value[eq] == ';') {
            i = eq;  // a parameter without a value: skipped
            continue;
        }
        std::string key;
        for (char c : header_value.substr(i, eq - i))
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
                key += static_cast<char>(g_ascii_tolower(c));
        i = eq + 1;
        while (i < header_value.size() && (header_value[i] == ' ' || header_value[i] == '\t'))
            ++i;
        std::string value;
        if (i < header_value.size() && header_value[i] == '"') {
            for (++i; i < header_value.size() && header_value[i] != '"'; ++i) {
                if (header_value[i] == '\\' && i + 1 < header_value.size())
                    ++i;
                if (header_value[i] != '\r' && header_value[i] != '\n')
                    value += header_value[i];
            }
            i = header_value.find(';', i);
        } else {
            size_t end = header_value.find(';', i);
            for (char c : header_value.substr(i, end == std::string_view::npos ? end : end - i))
                if (c != '\r' && c != '\n')
                    value += c;
            while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
                value.pop_back();
            i = end;
        }
        if (!key.empty())
            out.emplace_back(std::move(key), std::move(value));
    }
    return out;
}

std::string part_file_name(const Parameters& disposition_params,
                           const Parameters& content_type_params) {
    std::string name = decode_parameter(disposition_params, "filename");
    if (name.empty())
        name = decode_parameter(content_type_params, "name");
    return name;
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

std::string unfold_header_value(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (char c : raw) {
        if (c == '\r' || c == '\n')
            continue;
        if (c == '\t')
            c = ' ';
        if (c == ' ' && (out.empty() || out.back() == ' '))
            continue;
        out += c;
    }
    if (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

std::vector<std::pair<std::string, std::string>> split_header_block(std::string_view block) {
    std::vector<std::pair<std::string, std::string>> out;
    size_t pos = 0;
    while (pos < block.size()) {
        size_t eol = block.find('\n', pos);
        eol = eol == std::string_view::npos ? block.size() : eol + 1;
        const std::string_view line = block.substr(pos, eol - pos);
        pos = eol;
        if (line == "\n" || line == "\r\n" || line == "\r")
            break;
        if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) {
            out.back().second += line;
            continue;
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            continue;
        out.emplace_back(std::string(trim(line.substr(0, colon))),
                         std::string(line.substr(colon + 1)));
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> parse_header_block(std::string_view block) {
    auto headers = split_header_block(block);
    for (auto& [name, value] : headers)
        value = unfold_header_value(value);
    return headers;
}

std::string header_value(const std::vector<std::pair<std::string, std::string>>& headers,
                         std::string_view name) {
    for (const auto& [k, v] : headers)
        if (iequal(k, name))
            return v;
    return {};
}

}  // namespace imapmirror::mime
