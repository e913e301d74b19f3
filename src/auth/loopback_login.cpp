#include "auth/loopback_login.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "auth/http_form.hpp"
#include "core/interrupt.hpp"

namespace imapmirror::auth {

using core::ErrorKind;
using core::make_error;

namespace {

struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0)
            ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

core::Result<std::string> random_token(size_t bytes) {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
        return make_error(ErrorKind::Io, "OpenSSL could not produce random bytes");
    return base64url(raw);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string url_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
                   hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::map<std::string, std::string> query_of(std::string_view target) {
    std::map<std::string, std::string> q;
    auto at = target.find('?');
    if (at == std::string_view::npos)
        return q;
    std::string_view rest = target.substr(at + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        auto eq = pair.find('=');
        if (eq != std::string_view::npos)
            q[url_decode(pair.substr(0, eq))] = url_decode(pair.substr(eq + 1));
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    }
    return q;
}

void answer(int fd, const char* status, const std::string& text) {
    std::string page =
        "<!doctype html><meta charset=utf-8><title>imapmirror</title><p>" + text + "</p>\n";
    std::string reply = std::string("HTTP/1.1 ") + status +
                        "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " +
                        std::to_string(page.size()) + "\r\nConnection: close\r\n\r\n" + page;
    (void)!::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
}

// The request target of one HTTP request on `fd` ("/?code=...&state=..."), read with a limit.
std::string read_target(int fd) {
    std::string head;
    char buf[2048];
    while (head.find("\r\n") == std::string::npos && head.size() < 16384) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 5000) <= 0)
            return {};
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return {};
        head.append(buf, static_cast<size_t>(n));
    }
    // "GET /?code=... HTTP/1.1"
    auto sp1 = head.find(' ');
    auto sp2 = sp1 == std::string::npos ? sp1 : head.find(' ', sp1 + 1);
    if (sp2 == std::string::npos || head.compare(0, sp1, "GET") != 0)
        return {};
    return head.substr(sp1 + 1, sp2 - sp1 - 1);
}

}  // namespace

std::string base64url(const std::string& bytes) {
    static const char* alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += alphabet[(acc >> bits) & 63];
        }
    }
    if (bits > 0)
        out += alphabet[(acc << (6 - bits)) & 63];
    return out;
}

std::string pkce_challenge(const std::string& verifier) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(verifier.data(), verifier.size(), digest, &len, EVP_sha256(), nullptr);
    return base64url(std::string(reinterpret_cast<char*>(digest), len));
}

core::Result<Tokens> loopback_login(const Endpoints& endpoints,
                                    const std::function<void(const LoopbackPrompt&)>& show,
                                    std::chrono::seconds wait) {
    Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (listener.fd < 0 || ::bind(listener.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) ||
        ::listen(listener.fd, 8) ||
        ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&addr), &alen))
        return make_error(ErrorKind::Io, std::string("cannot listen on 127.0.0.1 for the "
                                                     "browser's redirect: ") +
                                             std::strerror(errno));
    const int port = ntohs(addr.sin_port);
    const std::string redirect_uri = "http://127.0.0.1:" + std::to_string(port) + "/";
    IMM_ASSIGN(auto verifier, random_token(32));  // 43 characters (RFC 7636 §4.1)
    IMM_ASSIGN(auto state, random_token(16));
    std::string url = endpoints.authorize_url +
                      (endpoints.authorize_url.find('?') == std::string::npos ? "?" : "&") +
                      "response_type=code&client_id=" + form_encode(endpoints.client_id) +
                      "&redirect_uri=" + form_encode(redirect_uri) +
                      "&scope=" + form_encode(endpoints.scope) + "&state=" + state +
                      "&code_challenge=" + pkce_challenge(verifier) +
                      "&code_challenge_method=S256&access_type=offline&prompt=consent";
    show({url, port});

    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        if (core::interrupted())
            return core::interrupted_error();
        if (std::chrono::steady_clock::now() > deadline)
            return make_error(ErrorKind::Auth,
                              "no browser came back within " + std::to_string(wait.count() / 60) +
                                  " minutes; run the login again",
                              core::Scope::Run);
        pollfd p{listener.fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0)
            continue;
        Fd client(::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC));
        if (client.fd < 0)
            continue;
        const std::string target = read_target(client.fd);
        auto q = query_of(target);
        if (q.count("error")) {
            answer(client.fd, "200 OK", "The sign-in was not completed. You can close this tab.");
            return make_error(ErrorKind::Auth,
                              "the provider refused the sign-in: " + q["error"].substr(0, 100),
                              core::Scope::Run);
        }
        if (!q.count("code")) {  // the browser's favicon, a probe
            answer(client.fd, "404 Not Found", "Not here.");
            continue;
        }
        if (q["state"] != state) {
            answer(client.fd, "400 Bad Request", "This sign-in does not belong to imapmirror.");
            return make_error(ErrorKind::Auth,
                              "the browser came back with a different state parameter (another "
                              "login, or a forged request); nothing was stored",
                              core::Scope::Run);
        }
        answer(client.fd, "200 OK", "Signed in. You can close this tab and return to imapmirror.");
        return exchange_code(endpoints, q["code"], redirect_uri, verifier);
    }
}

}  // namespace imapmirror::auth
