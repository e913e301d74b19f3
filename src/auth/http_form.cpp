#include "auth/http_form.hpp"

#include <curl/curl.h>

#include <memory>

namespace imapmirror::auth {

using core::ErrorKind;
using core::make_error;

namespace {

size_t collect(char* data, size_t size, size_t n, void* user) {
    auto* out = static_cast<std::string*>(user);
    if (out->size() + size * n > kMaxReplyBytes)
        return 0;  // libcurl stops with CURLE_WRITE_ERROR
    out->append(data, size * n);
    return size * n;
}

}  // namespace

std::string form_encode(const std::string& value) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

core::Result<HttpReply> post_form(const std::string& url,
                                  const std::vector<std::pair<std::string, std::string>>& fields,
                                  std::chrono::seconds timeout) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
    if (!h)
        return make_error(ErrorKind::Io, "libcurl could not create a handle");
    std::string body;
    for (const auto& [name, value] : fields)
        body += (body.empty() ? "" : "&") + form_encode(name) + "=" + form_encode(value);
    HttpReply reply;
    char errbuf[CURL_ERROR_SIZE] = {0};
    CURL* c = h.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "imapmirror");
    CURLcode rc = curl_easy_perform(c);
    // Wiped: the body held a refresh token, a code or a client secret.
    std::fill(body.begin(), body.end(), '\0');
    if (rc == CURLE_WRITE_ERROR)
        return make_error(ErrorKind::Limit, "the reply of " + url + " is larger than " +
                                                std::to_string(kMaxReplyBytes / 1024) + " KiB");
    if (rc != CURLE_OK) {
        std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
        auto kind = rc == CURLE_OPERATION_TIMEDOUT ? ErrorKind::Timeout
                    : rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR
                        ? ErrorKind::Tls
                        : ErrorKind::Network;
        auto e = make_error(kind, "cannot reach the authorization server " + url + ": " + why);
        e.retryable = kind != ErrorKind::Tls;
        e.hint = "check the network; the OAuth2 endpoints come from --provider or --oauth2-*-url";
        return e;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
    return reply;
}

}  // namespace imapmirror::auth
