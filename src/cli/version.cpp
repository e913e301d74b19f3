#include "cli/version.hpp"

#include "config/library_version.hpp"
#include "index/library_version.hpp"
#include "mime/library_version.hpp"
#include "transport/library_version.hpp"

namespace imapmirror::cli {

std::string version_text() {
    std::string text = std::string("imapmirror ") + IMAPMIRROR_VERSION;
    text += "\nlibcurl " + transport::curl_runtime_version();
    text += "\nGMime " + mime::gmime_runtime_version();
    text += "\nSQLite " + index::sqlite_runtime_version();
    text += "\ntoml++ " + config::tomlpp_build_version() + " (at build time)";
    return text;
}

}  // namespace imapmirror::cli
