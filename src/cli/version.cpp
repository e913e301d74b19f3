#include "cli/version.hpp"

#include <toml++/toml.h>

#include "index/library_version.hpp"
#include "mime/library_version.hpp"
#include "transport/library_version.hpp"

namespace imapmirror::cli {

std::string version_text() {
    const std::string toml = std::to_string(TOML_LIB_MAJOR) + "." + std::to_string(TOML_LIB_MINOR) +
                             "." + std::to_string(TOML_LIB_PATCH);
    std::string text = std::string("imapmirror ") + IMAPMIRROR_VERSION;
    text += "\nlibcurl " + transport::curl_runtime_version();
    text += "\nGMime " + mime::gmime_runtime_version();
    text += "\nSQLite " + index::sqlite_runtime_version();
    text += "\ntoml++ " + toml + " (at build time)";
    return text;
}

}  // namespace imapmirror::cli
