#include "store/name_sanitizer.hpp"

#include <glib.h>

#include <cctype>
#include <memory>

#include "core/utf8.hpp"

namespace imapmirror::store {

namespace {

bool is_reserved_device(std::string_view name) {
    // The part before the first dot decides: "CON.txt" is as bad as "CON" on Windows.
    std::string_view stem = name.substr(0, name.find('.'));
    while (!stem.empty() && stem.back() == ' ')
        stem.remove_suffix(1);
    std::string upper;
    for (char c : stem)
        upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    static const char* kNames[] = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"};
    for (const char* n : kNames)
        if (upper == n)
            return true;
    if (upper.size() == 4 && (upper.rfind("COM", 0) == 0 || upper.rfind("LPT", 0) == 0) &&
        upper[3] >= '0' && upper[3] <= '9')
        return true;
    return false;
}

// Cuts `s` to at most `max` bytes on a UTF-8 boundary.
std::string cut_utf8(std::string_view s, size_t max) {
    if (s.size() <= max)
        return std::string(s);
    size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
        --end;
    return std::string(s.substr(0, end));
}

}  // namespace

std::string sanitize_component(std::string_view name, std::string_view fallback) {
    std::string out;
    out.reserve(name.size());
    for (size_t i = 0; i < name.size();) {
        size_t n = core::utf8_sequence_length(name, i);
        auto c = static_cast<unsigned char>(name[i]);
        if (n == 0) {
            out += '_';
            ++i;
            continue;
        }
        if (n == 1) {
            bool bad = c < 0x20 || c == 0x7F ||
                       std::string_view("/\\:*?\"<>|").find(static_cast<char>(c)) !=
                           std::string_view::npos;
            out += bad ? '_' : static_cast<char>(c);
        } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(name[i + 1]) <= 0x9F) {
            out += '_';  // C1 control characters
        } else if (name.substr(i, n) == "\xEF\xBF\xBD") {
            // U+FFFD stands in for a control character or bytes that were not text (see
            // core::to_valid_utf8): in a file name it becomes '_' as the control itself would.
            out += '_';
        } else if (g_unichar_type(g_utf8_get_char(name.data() + i)) == G_UNICODE_FORMAT) {
            // Invisible format characters (Cf): bidi overrides make "invoice\u202Efdp.exe"
            // show as "invoiceexe.pdf"; zero-width ones make look-alike names.
            out += '_';
        } else {
            out.append(name.substr(i, n));
        }
        i += n;
    }
    // Windows drops trailing dots and spaces, which would make "a." and "a" collide.
    while (!out.empty() && (out.back() == '.' || out.back() == ' '))
        out.pop_back();
    // Leading whitespace is legal but invisible; leading dots hide files and form "..".
    size_t lead = 0;
    while (lead < out.size() && out[lead] == ' ')
        ++lead;
    out.erase(0, lead);
    for (char& ch : out) {
        if (ch != '.')
            break;
        ch = '_';
    }
    if (out.empty())
        out = std::string(fallback);
    if (is_reserved_device(out))
        out = "_" + out;
    if (out.size() > kMaxComponentBytes) {
        size_t dot = out.rfind('.');
        std::string ext =
            dot != std::string::npos && dot > 0 && out.size() - dot <= 16 ? out.substr(dot) : "";
        out = cut_utf8(out, kMaxComponentBytes - ext.size());
        while (!out.empty() && (out.back() == '.' || out.back() == ' '))
            out.pop_back();
        out += ext;
    }
    return out;
}

std::string collision_key(std::string_view component) {
    struct Free {
        void operator()(gchar* p) const { g_free(p); }
    };
    auto len = static_cast<gssize>(component.size());
    std::unique_ptr<gchar, Free> nfc(g_utf8_normalize(component.data(), len, G_NORMALIZE_NFC));
    if (nfc) {
        std::unique_ptr<gchar, Free> folded(g_utf8_casefold(nfc.get(), -1));
        if (folded)
            return folded.get();
    }
    std::string key(component);  // not UTF-8 (an old path): ASCII folding only
    for (char& c : key)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return key;
}

std::string numbered_variant(std::string_view component, int n) {
    size_t dot = component.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || component.size() - dot > 16)
        dot = component.size();
    return std::string(component.substr(0, dot)) + " (" + std::to_string(n) + ")" +
           std::string(component.substr(dot));
}

}  // namespace imapmirror::store
