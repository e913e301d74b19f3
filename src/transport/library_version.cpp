#include "transport/library_version.hpp"

#include <curl/curl.h>

namespace imapmirror::transport {

std::string curl_runtime_version() {
    const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
    std::string text = info->version;
    if (info->ssl_version)
        text += std::string(" (") + info->ssl_version + ")";
    return text;
}

}  // namespace imapmirror::transport
