// Pure parts of the OAuth2 flows: PKCE (RFC 7636), the providers' endpoints, token replies,
// redaction, the device prompt, and the loopback listener on 127.0.0.1.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "auth/loopback_login.hpp"
#include "auth/oauth_client.hpp"
#include "auth/providers.hpp"
#include "core/json_reader.hpp"

using namespace imapmirror;

TEST_CASE("pkce: the S256 challenge of RFC 7636 appendix B's verifier", "[auth]") {
    CHECK(auth::pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
          "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    CHECK(auth::base64url(std::string("\xfb\xff", 2)) == "-_8");
}

TEST_CASE("providers: Microsoft's endpoints name the tenant, organizations by default", "[auth]") {
    const auto* ms = auth::find_oauth_provider("microsoft");
    REQUIRE(ms);
    CHECK(ms->flow == auth::LoginFlow::Device);
    auto e = auth::endpoints_of(*ms, "consumers");
    CHECK(e.device_url == "https://login.microsoftonline.com/consumers/oauth2/v2.0/devicecode");
    CHECK(e.token_url == "https://login.microsoftonline.com/consumers/oauth2/v2.0/token");
    CHECK(e.scope == "https://outlook.office.com/IMAP.AccessAsUser.All offline_access");
    CHECK(auth::endpoints_of(*ms, "").token_url.find("/organizations/") != std::string::npos);
}

TEST_CASE("providers: Google uses the loopback flow with the full-mail scope", "[auth]") {
    const auto* g = auth::find_oauth_provider("google");
    REQUIRE(g);
    CHECK(g->flow == auth::LoginFlow::Loopback);
    CHECK(auth::endpoints_of(*g, "").scope == "https://mail.google.com/");
    CHECK(auth::find_oauth_provider("gmail") == nullptr);  // presets map gmail to google
}

TEST_CASE("tokens: expires_in near 2^63 or negative is clamped, never a signed overflow",
          "[auth]") {
    const int64_t now = 1'700'000'000;
    auto huge = core::parse_json(R"({"access_token":"at-1","expires_in":9223372036854775807})");
    REQUIRE(huge);
    auto t = auth::tokens_from_reply("https://as.example/token", *huge, now);
    REQUIRE(t);
    CHECK(t->expires_at == now + auth::kMaxExpiresIn);
    auto negative =
        core::parse_json(R"({"access_token":"at-1","expires_in":-9223372036854775807})");
    CHECK(auth::tokens_from_reply("u", *negative, now)->expires_at == now);
    auto text = core::parse_json(R"({"access_token":"at-1","expires_in":"99999999999999999999"})");
    CHECK(auth::tokens_from_reply("u", *text, now)->expires_at == now + 3600);
}

TEST_CASE("tokens: an access token outside RFC 6750's b64token cannot inject SASL fields",
          "[auth]") {
    auto bad = core::parse_json(R"({"access_token":"at\u0001auth=Bearer x\u0001\u0001"})");
    REQUIRE(bad);
    auto t = auth::tokens_from_reply("https://as.example/token", *bad, 0);
    REQUIRE(!t);
    CHECK(t.error().kind == core::ErrorKind::Protocol);
    CHECK(t.error().message.find("RFC 6750") != std::string::npos);
    CHECK(auth::is_b64token("ya29.a0Af-_~+/xyz=="));
    CHECK(!auth::is_b64token("a b"));
    CHECK(!auth::is_b64token("=abc"));
    CHECK(!auth::is_b64token("ab=c"));
    CHECK(!auth::is_b64token(""));
}

TEST_CASE("tokens: secrets a server echoes are redacted, raw and form-encoded", "[auth]") {
    const std::string secret = "rt-a+b/c=";
    auto text = auth::redact_secrets(
        "bad body grant_type=refresh_token&refresh_token=rt-a%2Bb%2Fc%3D (" + secret + ")",
        {secret, ""});
    CHECK(text.find("rt-a") == std::string::npos);
    CHECK(text == "bad body grant_type=refresh_token&refresh_token=[redacted] ([redacted])");
}

TEST_CASE("device login: the endpoint's URL and user code cannot send escape sequences",
          "[auth][terminal]") {
    auth::DeviceAuthorization d;
    d.user_code = "AB\x1b[2J\x1b]52;c;cHduZWQ=\x07";
    d.verification_uri = "https://x.example/\x1b]8;;https://evil.example\x1b\\go";
    const std::string text = auth::device_instructions(d);
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find('\x07') == std::string::npos);
    CHECK(text.find("AB\\x1b[2J") != std::string::npos);
    CHECK(text.find("valid for 15 minutes") != std::string::npos);
}

namespace {

// A local client of the loopback listener: connects, sends `request` (may be partial).
int connect_to(int port, const std::string& request) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    if (!request.empty())
        REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(request.size()));
    return fd;
}

std::string status_line(int fd) {
    char buf[256];
    ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
    std::string s = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    return s.substr(0, s.find("\r\n"));
}

}  // namespace

TEST_CASE(
    "loopback login: forged state, an error without state, ten idle and one slow connection do "
    "not end or stall the login, and the right state does",
    "[auth]") {
    auto listener = auth::RedirectListener::open();
    REQUIRE(listener);
    const int port = listener->port();
    std::vector<int> open_fds;
    std::string forged_status, error_status;
    std::thread local_users([&] {
        for (int i = 0; i < 10; ++i)
            open_fds.push_back(connect_to(port, ""));                // idle
        open_fds.push_back(connect_to(port, "GET /?code=slow&st"));  // slow, never finishes
        int forged = connect_to(port, "GET /?code=forged&state=wrong HTTP/1.1\r\n\r\n");
        forged_status = status_line(forged);
        int error = connect_to(port, "GET /?error=access_denied HTTP/1.1\r\n\r\n");
        error_status = status_line(error);
        ::close(forged);
        ::close(error);
        int right = connect_to(port, "GET /?code=the-code&state=s3cret HTTP/1.1\r\n\r\n");
        status_line(right);
        ::close(right);
    });
    const auto start = std::chrono::steady_clock::now();
    auto code = listener->wait_for_code("s3cret", start + std::chrono::seconds(30));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    local_users.join();
    for (int fd : open_fds)
        ::close(fd);
    REQUIRE(code);
    CHECK(*code == "the-code");
    CHECK(forged_status == "HTTP/1.1 400 Bad Request");
    CHECK(error_status == "HTTP/1.1 400 Bad Request");
    CHECK(seconds < 3);
}

TEST_CASE("loopback login: the provider's error with the right state ends the login", "[auth]") {
    auto listener = auth::RedirectListener::open();
    REQUIRE(listener);
    std::thread browser([port = listener->port()] {
        int fd = connect_to(port, "GET /?error=access_denied&state=s HTTP/1.1\r\n\r\n");
        status_line(fd);
        ::close(fd);
    });
    auto code =
        listener->wait_for_code("s", std::chrono::steady_clock::now() + std::chrono::seconds(30));
    browser.join();
    REQUIRE(!code);
    CHECK(code.error().kind == core::ErrorKind::Auth);
    CHECK(code.error().message.find("access_denied") != std::string::npos);
}
