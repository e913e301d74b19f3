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
#include <utility>
#include <vector>

#include "auth/http_form.hpp"
#include "core/ascii.hpp"
#include "core/interrupt.hpp"

namespace imapmirror::auth {

using core::ErrorKind;
using core::make_error;

namespace {

struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        std::swap(fd, o.fd);
        return *this;
    }
    ~Fd() {
        if (fd >= 0)
            ::close(fd);
    }
};

core::Result<std::string> random_token(size_t bytes) {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
        return make_error(ErrorKind::Io, "OpenSSL could not produce random bytes");
    return base64url(raw);
}

std::string url_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && core::hex_digit_value(s[i + 1]) >= 0 &&
                   core::hex_digit_value(s[i + 2]) >= 0) {
            out += static_cast<char>(core::hex_digit_value(s[i + 1]) * 16 +
                                     core::hex_digit_value(s[i + 2]));
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

// The request target of an HTTP request head ("GET /?code=... HTTP/1.1"), or "" when it is
// not a GET.
std::string target_of(const std::string& head) {
    auto sp1 = head.find(' ');
    auto sp2 = sp1 == std::string::npos ? sp1 : head.find(' ', sp1 + 1);
    if (sp2 == std::string::npos || head.compare(0, sp1, "GET") != 0)
        return {};
    return head.substr(sp1 + 1, sp2 - sp1 - 1);
}

constexpr size_t kMaxRequestLine = 16384;

// One browser (or other local) connection, reading its request line.
struct Pending {
    Fd fd;
    std::string head;
    std::chrono::steady_clock::time_point deadline;
};

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

RedirectListener::RedirectListener(RedirectListener&& o) noexcept
    : m_fd(std::exchange(o.m_fd, -1)), m_port(o.m_port) {}

RedirectListener::~RedirectListener() {
    if (m_fd >= 0)
        ::close(m_fd);
}

core::Result<RedirectListener> RedirectListener::open() {
    RedirectListener l;
    l.m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (l.m_fd < 0 || ::bind(l.m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) ||
        ::listen(l.m_fd, 64) || ::getsockname(l.m_fd, reinterpret_cast<sockaddr*>(&addr), &alen))
        return make_error(ErrorKind::Io, std::string("cannot listen on 127.0.0.1 for the "
                                                     "browser's redirect: ") +
                                             std::strerror(errno));
    l.m_port = ntohs(addr.sin_port);
    return l;
}

core::Result<std::string> RedirectListener::wait_for_code(
    const std::string& state, std::chrono::steady_clock::time_point deadline,
    std::chrono::milliseconds per_connection) {
    std::vector<Pending> pending;
    for (;;) {
        if (core::interrupted())
            return core::interrupted_error();
        const auto now = std::chrono::steady_clock::now();
        if (now > deadline)
            return make_error(ErrorKind::Auth,
                              "no browser came back with the sign-in in time; run the login again",
                              core::Scope::Run);
        // A connection that is slow to send its request, or sends too much, costs only itself.
        std::erase_if(pending, [&](const Pending& p) {
            return now > p.deadline || p.head.size() > kMaxRequestLine;
        });
        std::vector<pollfd> fds{{m_fd, POLLIN, 0}};
        for (const auto& p : pending)
            fds.push_back({p.fd.fd, POLLIN, 0});
        if (::poll(fds.data(), fds.size(), 100) <= 0)
            continue;
        if (fds[0].revents & POLLIN) {
            // Every waiting connection, the oldest dropped beyond the limit.
            for (int c; (c = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC)) >= 0;) {
                if (pending.size() >= kMaxConnections)
                    pending.erase(pending.begin());
                pending.push_back({Fd(c), {}, now + per_connection});
            }
        }
        for (size_t i = 1; i < fds.size(); ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            Pending& p = pending[i - 1];
            char buf[2048];
            ssize_t n = ::recv(p.fd.fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n <= 0) {
                p.deadline = {};  // closed or failed: dropped on the next round
                continue;
            }
            p.head.append(buf, static_cast<size_t>(n));
            if (p.head.find("\r\n") == std::string::npos)
                continue;
            auto q = query_of(target_of(p.head));
            p.deadline = {};
            // Only the request carrying our state may end the login (RFC 6749 §10.12), the
            // provider's error included: anything else is answered and ignored.
            if (q["state"] != state) {
                answer(p.fd.fd, "400 Bad Request",
                       q.count("code") || q.count("error")
                           ? "This sign-in does not belong to imapmirror."
                           : "Not here.");
                continue;
            }
            if (q.count("error")) {
                answer(p.fd.fd, "200 OK", "The sign-in was not completed. You can close this tab.");
                return make_error(ErrorKind::Auth,
                                  "the provider refused the sign-in: " + q["error"].substr(0, 100),
                                  core::Scope::Run);
            }
            if (q["code"].empty()) {
                answer(p.fd.fd, "400 Bad Request", "The sign-in came back without a code.");
                continue;
            }
            answer(p.fd.fd, "200 OK",
                   "Signed in. You can close this tab and return to imapmirror.");
            return q["code"];
        }
    }
}

core::Result<Tokens> loopback_login(const Endpoints& endpoints,
                                    const std::function<void(const LoopbackPrompt&)>& show,
                                    std::chrono::seconds wait) {
    IMM_ASSIGN(auto listener, RedirectListener::open());
    const int port = listener.port();
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
    IMM_ASSIGN(auto code, listener.wait_for_code(state, std::chrono::steady_clock::now() + wait));
    return exchange_code(endpoints, code, redirect_uri, verifier);
}

}  // namespace imapmirror::auth
