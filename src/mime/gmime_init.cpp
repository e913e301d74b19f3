#include "mime/gmime_init.hpp"

#include <gmime/gmime.h>

#include <mutex>

namespace imapmirror::mime {

void ensure_gmime() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

}  // namespace imapmirror::mime
