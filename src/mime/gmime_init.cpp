#include "mime/gmime_init.hpp"

#include <gmime/gmime.h>

#include <mutex>

namespace imapmirror::mime {

void ensure_gmime() {
    static std::once_flag once;
    std::call_once(once, [] {
        g_mime_init();
        // Undeclared 8-bit header text: UTF-8, else windows-1252 (the usual mislabelled
        // charset; GMime's default, Latin-1, turns its 0x80-0x9F letters into controls).
        static const char* kFallback[] = {"UTF-8", "windows-1252", nullptr};
        g_mime_parser_options_set_fallback_charsets(g_mime_parser_options_get_default(), kFallback);
    });
}

}  // namespace imapmirror::mime
