#include "mime/library_version.hpp"

#include <gmime/gmime.h>

namespace imapmirror::mime {

std::string gmime_runtime_version() {
    return std::to_string(gmime_major_version) + "." + std::to_string(gmime_minor_version) + "." +
           std::to_string(gmime_micro_version);
}

}  // namespace imapmirror::mime
