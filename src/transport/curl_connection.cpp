#include "transport/curl_connection.hpp"

#include <curl/curl.h>
#include <poll.h>

#include <chrono>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "transport/auth_choice.hpp"
#include "transport/oauth_sasl.hpp"
#include "transport/redact.hpp"

namespace imapmirror::transport {

using core::ErrorKind;
using core::make_error;
using core::Result;

namespace {

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// "* CAPABILITY ..." or a greeting / OK with "[CAPABILITY ...]"; not "A001 OK CAPABILITY
// completed" (GNU imap4d), which names the command, not the capabilities.
bool states_capabilities(std::string_view line) {
    auto starts_ci = [](std::string_view s, std::string_view prefix) {
        if (s.size() < prefix.size())
            return false;
        for (size_t i = 0; i < prefix.size(); ++i)
            if (std::toupper(static_cast<unsigned char>(s[i])) != prefix[i])
                return false;
        return true;
    };
    if (starts_ci(line, "* CAPABILITY "))
        return true;
    size_t bracket = line.find('[');
    return line.rfind("* ", 0) == 0 && bracket != std::string_view::npos &&
           starts_ci(line.substr(bracket), "[CAPABILITY ");
}

// What the server said while libcurl connected and logged in (server lines hold no secret).
struct ServerLines {
    std::string capabilities;  // the last line stating them: after STARTTLS they come again
    std::string completion;    // the last tagged reply, e.g. "A003 NO [UNAVAILABLE] ..."
};

// libcurl's verbose output, with every client line redacted (it contains LOGIN / SASL).
// With a ServerLines* as user data, the server lines that matter are also kept there.
int debug_callback(CURL*, curl_infotype type, char* data, size_t size, void* lines) {
    std::string_view text(data, size);
    if (lines && type == CURLINFO_HEADER_IN) {
        auto* kept = static_cast<ServerLines*>(lines);
        if (states_capabilities(text))
            kept->capabilities = std::string(text);
        else if (!text.empty() && text[0] != '*' && text[0] != '+')
            kept->completion = std::string(text);
    }
    if (core::log_level() < core::LogLevel::Trace)
        return 0;
    switch (type) {
        case CURLINFO_TEXT:
            core::trace("*", text);
            break;
        case CURLINFO_HEADER_IN:
            core::trace("S", text);
            break;
        case CURLINFO_HEADER_OUT:
            core::trace("C", redact_client_line(text));
            break;
        default:
            break;  // TLS records and data: not useful, may hold secrets
    }
    return 0;
}

std::string host_port(const ConnectOptions& o) {
    return o.host + ":" + std::to_string(o.effective_port());
}

// What a failed password login tried, for its error message.
std::string mechanism_used(const std::string& login_options, const ConnectOptions& o) {
    if (!o.oauth2_token.empty())
        return "OAuth2";
    if (!login_options.empty())
        return login_options.substr(5);  // "AUTH=PLAIN"
    return "libcurl's choice";
}

// The refused login, told apart by the server's words: only a clear refusal of the
// credentials (AUTHENTICATIONFAILED, or no code at all) blames the password.
core::Error login_error(const ConnectOptions& o, const std::string& mechanism, std::string reply) {
    while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r'))
        reply.pop_back();
    const size_t sp = reply.find(' ');  // drop the tag
    std::string said = sp == std::string::npos ? reply : reply.substr(sp + 1);
    const std::string where = host_port(o), via = mechanism.empty() ? "" : " (" + mechanism + ")";
    auto has = [&](const char* code) { return said.find(code) != std::string::npos; };
    core::Error e;
    if (has("[UNAVAILABLE]") || has("[SERVERBUG]") || has("[INUSE]") || has("[LIMIT]") ||
        has("[THROTTLED]") || has("Too many simultaneous connections") ||
        has("temporarily unavailable")) {
        e = make_error(ErrorKind::Auth, "the server at " + where + " could not log in user \"" +
                                            o.user + "\" now" + via);
        e.hint = "the server's side, not your password: run again later";
        e.retryable = true;
    } else if (has("[EXPIRED]")) {
        e = make_error(ErrorKind::Auth, "the password of user \"" + o.user + "\" at " + where +
                                            " has expired" + via);
        e.hint = "change it with your provider, then update the password source";
    } else if (has("[PRIVACYREQUIRED]")) {
        e = make_error(ErrorKind::Auth,
                       "the server at " + where + " refuses logins without encryption" + via);
        e.hint = "use --tls implicit or --tls starttls";
    } else if (has("[CONTACTADMIN]") || has("[AUTHORIZATIONFAILED]")) {
        e = make_error(ErrorKind::Auth,
                       "the server at " + where + " does not let user \"" + o.user + "\" in" + via);
        e.hint = "the credentials were accepted; ask the server's administrator";
    } else {
        e = make_error(ErrorKind::Auth, "the server rejected the login for user \"" + o.user +
                                            "\" at " + where + via);
        e.hint = "check --user and the password (or OAuth2 token) source";
        if (mechanism == "CRAM-MD5" || mechanism == "DIGEST-MD5" || mechanism == "libcurl's choice")
            e.hint +=
                "; if they are right, the server may not support this mechanism for "
                "your account: try --auth-mech plain or login";
    }
    e.server_reply = said;
    return e;
}

core::Error connect_error(CURLcode rc, const char* detail, const ConnectOptions& o,
                          const std::string& mechanism = {}, const std::string& reply = {}) {
    std::string where = host_port(o);
    std::string why = detail && *detail ? detail : curl_easy_strerror(rc);
    core::Error e;
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
            e = make_error(ErrorKind::Network, "cannot resolve host \"" + o.host + "\"");
            e.hint = "check --host and your DNS";
            break;
        case CURLE_COULDNT_CONNECT:
            e = make_error(ErrorKind::Network, "cannot connect to " + where + " (" + why + ")");
            e.hint = "check --host, --port and --tls, and that the server is running";
            break;
        case CURLE_OPERATION_TIMEDOUT:
            e = make_error(ErrorKind::Timeout, "timed out connecting to " + where);
            e.hint = "check the host and port, or raise --timeout";
            break;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_ISSUER_ERROR:
            e = make_error(ErrorKind::Tls, "TLS with " + where + " failed: " + why);
            e.hint = rc == CURLE_SSL_CONNECT_ERROR
                         ? "check --tls (implicit on 993, starttls on 143) and --port"
                         : "pass the server's CA with --ca-file, or --insecure to skip "
                           "verification (unsafe)";
            break;
        case CURLE_USE_SSL_FAILED:
            e = make_error(ErrorKind::Tls, "server " + where + " does not offer STARTTLS");
            e.hint = "use --tls implicit (port 993), or --tls none only on a trusted network";
            break;
        case CURLE_LOGIN_DENIED:
            e = login_error(o, mechanism, reply);
            break;
        case CURLE_REMOTE_ACCESS_DENIED:
            e = make_error(ErrorKind::Auth, "access denied by " + where + ": " + why);
            break;
        default:
            e = make_error(ErrorKind::Network, "connecting to " + where + " failed: " + why);
            e.hint = "check --host, --port and --tls";
            break;
    }
    e.scope = core::Scope::Session;
    e.retryable = e.retryable || rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
                  rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING;
    return e;
}

}  // namespace

void CurlConnection::CurlDeleter::operator()(CURL* h) const {
    curl_easy_cleanup(h);
}

CurlConnection::CurlConnection(std::unique_ptr<CURL, CurlDeleter> handle, ConnectOptions options)
    : m_handle(std::move(handle)), m_options(std::move(options)) {}

CurlConnection::~CurlConnection() = default;

namespace {

// The options every handle to this server gets: where, how long, and TLS.
void set_common_options(CURL* c, const ConnectOptions& options, const std::string& url,
                        char* errbuf) {
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    // Bounds the greeting + TLS + login exchange, which CONNECTTIMEOUT alone does not cover.
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                     static_cast<long>((options.connect_timeout + options.io_timeout).count()));
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
    if (options.tls == TlsMode::StartTls)
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (options.tls == TlsMode::None)
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_NONE);
    if (!options.ca_file.empty())
        curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
    if (options.insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

std::string server_url(const ConnectOptions& options) {
    const bool implicit = options.tls == TlsMode::Implicit;
    // Brackets keep IPv6 literals unambiguous in the URL.
    std::string host = options.host.find(':') != std::string::npos && options.host[0] != '['
                           ? "[" + options.host + "]"
                           : options.host;
    return std::string(implicit ? "imaps://" : "imap://") + host + ":" +
           std::to_string(options.effective_port()) + "/";
}

// The SASL mechanisms the server offers, asked once per server and process: without a user
// name libcurl stops after the greeting, STARTTLS and CAPABILITY, before any login.
Result<std::vector<std::string>> offered_by(const ConnectOptions& options) {
    static std::mutex mutex;
    static std::map<std::string, std::vector<std::string>> known;
    const std::string url = server_url(options);
    {
        std::lock_guard lock(mutex);
        if (auto it = known.find(url); it != known.end())
            return it->second;
    }
    std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
    if (!h)
        return make_error(ErrorKind::Io, "libcurl could not create a handle");
    char errbuf[CURL_ERROR_SIZE] = {0};
    ServerLines lines;
    set_common_options(h.get(), options, url, errbuf);
    curl_easy_setopt(h.get(), CURLOPT_DEBUGFUNCTION, debug_callback);
    curl_easy_setopt(h.get(), CURLOPT_DEBUGDATA, &lines);
    curl_easy_setopt(h.get(), CURLOPT_VERBOSE, 1L);
    CURLcode rc = curl_easy_perform(h.get());
    // The cleanup's LOGOUT is answered after `lines` is gone.
    curl_easy_setopt(h.get(), CURLOPT_DEBUGDATA, nullptr);
    if (rc != CURLE_OK)
        return connect_error(rc, errbuf, options);
    auto offered = offered_mechanisms(lines.capabilities);
    std::string list;
    for (const auto& m : offered)
        list += " " + m;
    core::log(core::LogLevel::Verbose,
              host_port(options) + " offers SASL:" + (list.empty() ? std::string(" none") : list));
    std::lock_guard lock(mutex);
    known[url] = offered;
    return offered;
}

}  // namespace

Result<std::unique_ptr<CurlConnection>> CurlConnection::open(const ConnectOptions& options) {
    global_init();
    std::string login_options;
    if (options.oauth2_token.empty()) {
        IMM_ASSIGN(auto offered, offered_by(options));
        IMM_ASSIGN(login_options, login_options_for(options.auth_mech, offered));
    }
    std::unique_ptr<CURL, CurlDeleter> h(curl_easy_init());
    if (!h)
        return make_error(ErrorKind::Io, "libcurl could not create a handle");
    CURL* c = h.get();
    const std::string url = server_url(options);
    char errbuf[CURL_ERROR_SIZE] = {0};
    set_common_options(c, options, url, errbuf);
    // OAuth2: no user name, so libcurl stops after greeting, STARTTLS and CAPABILITY, and we
    // authenticate ourselves (oauth_sasl.hpp says why).
    const bool oauth = !options.oauth2_token.empty();
    if (!oauth) {
        curl_easy_setopt(c, CURLOPT_USERNAME, options.user.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, options.password.c_str());
        if (!login_options.empty())
            curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, login_options.c_str());
    }
    // Always verbose during login: the server's reply to a refused login says whose fault it is.
    ServerLines lines;
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_callback);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, &lines);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);

    CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, nullptr);
    if (core::log_level() < core::LogLevel::Trace)
        curl_easy_setopt(c, CURLOPT_VERBOSE, 0L);
    // The secrets are no longer needed; do not leave them in libcurl's handle.
    curl_easy_setopt(c, CURLOPT_PASSWORD, "");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 0L);
    if (rc != CURLE_OK)
        return connect_error(rc, errbuf, options, mechanism_used(login_options, options),
                             lines.completion);

    ConnectOptions kept = options;
    kept.password.clear();
    kept.oauth2_token.clear();
    std::unique_ptr<CurlConnection> conn(new CurlConnection(std::move(h), std::move(kept)));
    curl_socket_t sock = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK || sock == CURL_SOCKET_BAD)
        return make_error(ErrorKind::Network, "libcurl gave no socket after login");
    conn->m_socket = static_cast<long>(sock);
    if (oauth) {
        const OAuthMech mech =
            choose_oauth_mech(options.oauth2_mech, offered_mechanisms(lines.capabilities));
        std::string initial = oauth_initial_response(mech, options.user, options.oauth2_token,
                                                     options.host, options.effective_port());
        auto authenticated = authenticate_oauth(*conn, mech, initial);
        std::fill(initial.begin(), initial.end(), '\0');
        if (!authenticated) {
            core::Error e = std::move(authenticated).error();
            if (e.kind == ErrorKind::Auth)
                e.message += " for user \"" + options.user + "\" at " + host_port(options);
            e.scope = core::Scope::Session;
            return e;
        }
    }
    core::log(core::LogLevel::Verbose,
              "logged in to " + host_port(options) + " as " + options.user);
    return conn;
}

Result<void> CurlConnection::wait_socket(bool for_write) {
    pollfd p{};
    p.fd = static_cast<int>(m_socket);
    p.events = for_write ? POLLOUT : POLLIN;
    // In slices: a signal wakes only the thread it lands on, and every connection's thread must
    // notice Ctrl-C promptly.
    constexpr int kSliceMs = 200;
    const auto deadline = std::chrono::steady_clock::now() + m_options.io_timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        int n = left > 0 ? ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, kSliceMs))) : 0;
        if (n > 0)
            return {};
        if (n == 0 && core::interrupted())
            return core::interrupted_error();
        if (n == 0 && left > kSliceMs)
            continue;
        if (n == 0) {
            auto e = make_error(ErrorKind::Timeout,
                                "the server at " + host_port(m_options) + " sent nothing for " +
                                    std::to_string(m_options.io_timeout.count() / 1000) + " s");
            e.hint = "the server or network stalled; retry later or raise --timeout";
            return e;
        }
        if (errno == EINTR) {
            if (core::interrupted())
                return core::interrupted_error();
            continue;
        }
        return make_error(ErrorKind::Network, std::string("poll failed: ") + std::strerror(errno));
    }
}

Result<void> CurlConnection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        size_t sent = 0;
        CURLcode rc = curl_easy_send(m_handle.get(), bytes.data(), bytes.size(), &sent);
        if (rc == CURLE_AGAIN) {
            IMM_TRY(wait_socket(true));
            continue;
        }
        if (rc != CURLE_OK) {
            auto e = make_error(ErrorKind::Network, "sending to " + host_port(m_options) +
                                                        " failed: " + curl_easy_strerror(rc));
            e.hint = "the connection was lost; run again to resume";
            return e;
        }
        bytes.remove_prefix(sent);
    }
    return {};
}

Result<size_t> CurlConnection::receive(char* buf, size_t cap) {
    for (;;) {
        size_t got = 0;
        // With TLS, OpenSSL may already hold decrypted bytes: ask libcurl before polling.
        CURLcode rc = curl_easy_recv(m_handle.get(), buf, cap, &got);
        if (rc == CURLE_OK) {
            if (got == 0) {
                auto e = make_error(ErrorKind::Network, "the server at " + host_port(m_options) +
                                                            " closed the connection");
                e.hint = "run again to resume; if it keeps happening, check the server's logs";
                return e;
            }
            return got;
        }
        if (rc == CURLE_AGAIN) {
            IMM_TRY(wait_socket(false));
            continue;
        }
        auto e = make_error(ErrorKind::Network, "receiving from " + host_port(m_options) +
                                                    " failed: " + curl_easy_strerror(rc));
        e.hint = "the connection was lost; run again to resume";
        return e;
    }
}

}  // namespace imapmirror::transport
