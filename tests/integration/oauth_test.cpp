// OAuth2 end to end: `auth login` against our own authorization server
// (scripts/lib/oauth_server.py), then `export --oauth2` against a real Dovecot whose oauth2
// passdb checks every bearer token through that server's introspection endpoint (RFC 7662).

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "auth/http_form.hpp"
#include "core/json_reader.hpp"
#include "test_server.hpp"

namespace imapmirror::test {

namespace {

// The authorization server, on an ephemeral port of 127.0.0.1; stopped by PID.
class OAuthServer {
  public:
    OAuthServer() {
        m_dir = make_temp_dir();
        const std::string port_file = m_dir + "/port";
        m_pid = ::fork();
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            // No descriptor of the test's own: a runner reading our output must see its end.
            int null = ::open("/dev/null", O_RDWR);
            ::dup2(null, 0);
            ::dup2(null, 1);
            ::dup2(null, 2);
            const std::string script = source_dir() + "/scripts/lib/oauth_server.py";
            ::execlp("python3", "python3", script.c_str(), "--port-file", port_file.c_str(),
                     static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 200 && m_port == 0; ++i) {
            std::string text = read_file(port_file);
            if (!text.empty())
                m_port = std::stoi(text);
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        REQUIRE(m_port != 0);
    }
    ~OAuthServer() {
        ::kill(m_pid, SIGTERM);
        ::waitpid(m_pid, nullptr, 0);
        std::filesystem::remove_all(m_dir);
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(m_port) + path;
    }
    // POSTs to /control (settings, revoke, expire); returns its report.
    core::JsonValue control(const std::vector<std::pair<std::string, std::string>>& fields) {
        auto reply = auth::post_form(url("/control"), fields);
        REQUIRE(reply);
        REQUIRE(reply->status == 200);
        auto v = core::parse_json(reply->body);
        REQUIRE(v);
        return *v;
    }
    int64_t counter(const char* name) { return *control({}).find(name)->as_int(); }
    std::vector<std::string> tokens(const char* which = "tokens") {
        std::vector<std::string> out;
        const core::JsonValue report = control({});
        for (const auto& t : report.find(which)->items())
            out.push_back(*t.as_string());
        return out;
    }

  private:
    std::string m_dir;
    pid_t m_pid = -1;
    int m_port = 0;
};

// One authorization server and one Dovecot asking it, shared by the tests (slow to start).
struct OAuthWorld {
    OAuthServer auth;
    DovecotServer imap{{"--oauth2", auth.url("/introspect")}};
};

OAuthWorld& world() {
    static OAuthWorld w;
    return w;
}

// A private $XDG_STATE_HOME and archive per test, and the options that use them.
struct Account {
    std::string dir = make_temp_dir();
    std::string state = dir + "/state";
    std::string out = dir + "/archive";
    std::string store = state + "/imapmirror/tokens/alice.json";
    ~Account() { std::filesystem::remove_all(dir); }

    std::vector<std::string> env() const { return {"XDG_STATE_HOME=" + state}; }
    RunResult login() const {
        OAuthServer& a = world().auth;
        return run_imapmirror({"auth", "login", "--user", "alice", "--client-id", "test-client",
                               "--oauth2-device-url", a.url("/devicecode"), "--oauth2-token-url",
                               a.url("/token"), "--oauth2-scope", "imap offline_access"},
                              env());
    }
    RunResult export_(std::vector<std::string> extra = {}, int port = 0) const {
        const DovecotServer& s = world().imap;
        return run_imapmirror(with({"export", "--host", "127.0.0.1", "--port",
                                    std::to_string(port ? port : s.tls_port()), "--ca-file",
                                    s.ca_file(), "--user", "alice", "--oauth2", "--out", out},
                                   extra),
                              env());
    }
    std::string stored_refresh_token() const {
        auto v = core::parse_json(read_file(store));
        REQUIRE(v);
        return *v->find("refresh_token")->as_string();
    }
};

std::string both(const RunResult& r) {
    return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

}  // namespace

TEST_CASE("oauth: auth login by device flow stores a private grant, and export logs in with it",
          "[integration][oauth]") {
    Account acct;
    auto login = acct.login();
    INFO(both(login));
    REQUIRE(login.exit_code == 0);
    struct stat st {};
    REQUIRE(::stat(acct.store.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(login.err.find("TEST-CODE") != std::string::npos);  // the code the user must enter

    auto run = acct.export_({"--sasl", "xoauth2"});
    INFO(both(run));
    REQUIRE(run.exit_code == 0);
    auto rows = query(acct.out + "/index.sqlite", "SELECT COUNT(*) FROM messages");
    CHECK(std::stoi(rows[0][0]) > 0);

    auto status = run_imapmirror({"auth", "status", "--user", "alice", "--json"}, acct.env());
    INFO(both(status));
    CHECK(status.exit_code == 0);
    CHECK(status.out.find("\"access_token_valid\":true") != std::string::npos);
}

TEST_CASE("oauth: OAUTHBEARER (RFC 7628) logs in to Dovecot as well as XOAUTH2",
          "[integration][oauth]") {
    Account acct;
    REQUIRE(acct.login().exit_code == 0);
    auto run = acct.export_({"--sasl", "oauthbearer", "-vv"});
    INFO(both(run));
    REQUIRE(run.exit_code == 0);
    CHECK(run.err.find("AUTHENTICATE [redacted]") != std::string::npos);
}

TEST_CASE("oauth: a token store other users can read is refused, not used",
          "[integration][oauth]") {
    Account acct;
    REQUIRE(acct.login().exit_code == 0);
    ::chmod(acct.store.c_str(), 0644);
    auto run = acct.export_();
    INFO(both(run));
    CHECK(run.exit_code == 2);
    CHECK(run.err.find("can be read or written by other users") != std::string::npos);
}

TEST_CASE(
    "oauth: access tokens expiring during a multi-connection export with reconnects are "
    "refreshed one at a time, each rotated refresh token saved",
    "[integration][oauth]") {
    OAuthServer& auth = world().auth;
    Account acct;
    // Access tokens that live a minute are within the 5 minutes a run refreshes ahead, so each
    // connection needs a new one, three threads at once; and the first connection to pass
    // 8 kB is cut, so one more. (Not shorter: Dovecot delays logins after failed ones.)
    auth.control({{"access_ttl", "60"}});
    REQUIRE(acct.login().exit_code == 0);
    const std::string first_refresh = acct.stored_refresh_token();
    const auto rotations_before = auth.counter("rotations");
    FaultyRelay relay(world().imap.tls_port(), 8000, FaultyRelay::Fault::Cut);
    auto run = acct.export_({"-j", "3", "--retries", "20", "--retry-wait", "0.1"}, relay.port());
    auth.control({{"access_ttl", "3600"}});
    INFO(both(run));
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find("reconnects") != std::string::npos);
    // A refresh per connection, none refused: with rotation, two at once would have failed.
    CHECK(auth.counter("rotations") - rotations_before >= relay.connections());
    const std::string saved = acct.stored_refresh_token();
    CHECK(saved != first_refresh);
    auto live = auth.tokens("live_refresh_tokens");
    CHECK(std::count(live.begin(), live.end(), saved) == 1);

    // "An hour later": the store holds an access token it believes good for an hour, but the
    // server has expired it. The refused login makes the run refresh, and the export goes on.
    REQUIRE(acct.export_().exit_code == 0);
    const std::string before = acct.stored_refresh_token();
    const auto inactive = auth.counter("introspections_inactive");
    auth.control({{"expire", "true"}});
    auto later = acct.export_();
    INFO(both(later));
    CHECK(later.exit_code == 0);
    CHECK(auth.counter("introspections_inactive") > inactive);
    CHECK(acct.stored_refresh_token() != before);
}

TEST_CASE("oauth: a revoked grant ends the run with exit 6 and one line saying to log in again",
          "[integration][oauth]") {
    OAuthServer& auth = world().auth;
    Account acct;
    REQUIRE(acct.login().exit_code == 0);
    REQUIRE(acct.export_().exit_code == 0);
    auth.control({{"revoke", "true"}});
    auto run = acct.export_();
    INFO(both(run));
    CHECK(run.exit_code == 6);
    CHECK(run.err ==
          "imapmirror: error: the grant was revoked or expired: run `imapmirror auth login "
          "--user alice` again\n");
}

TEST_CASE("oauth: no token appears in any output, trace, index or file but the token store",
          "[integration][oauth]") {
    OAuthServer& auth = world().auth;
    Account acct;
    // Tokens inside the refresh margin: the export refreshes, so new tokens pass every path.
    auth.control({{"access_ttl", "60"}});
    auto login = acct.login();
    auto traced = acct.export_({"-vv", "-j", "2"});
    auth.control({{"access_ttl", "3600"}});
    REQUIRE(login.exit_code == 0);
    REQUIRE(traced.exit_code == 0);
    auto status = run_imapmirror({"auth", "status", "--user", "alice"}, acct.env());
    REQUIRE(status.exit_code == 0);
    std::vector<std::string> outputs = {login.out,  login.err,  traced.out,
                                        traced.err, status.out, status.err};
    // Every file of this test, the index and archive included, except the store itself.
    for (const auto& entry : std::filesystem::recursive_directory_iterator(acct.dir))
        if (entry.is_regular_file() && entry.path() != acct.store)
            outputs.push_back(read_file(entry.path()));
    const auto tokens = auth.tokens();
    REQUIRE(tokens.size() >= 2);
    for (const auto& token : tokens) {
        for (const auto& text : outputs) {
            INFO(token);
            CHECK(text.find(token) == std::string::npos);
        }
    }
    CHECK(read_file(acct.store).find(acct.stored_refresh_token()) != std::string::npos);
}

namespace {

// A "browser": GETs `url`, following the authorization server's redirect to the loopback.
long browse(const std::string& url) {
    std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
    curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(h.get(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(
        h.get(), CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) { return s * n; });
    curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, 20L);
    if (curl_easy_perform(h.get()) != CURLE_OK)
        return -1;
    long code = 0;
    curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &code);
    return code;
}

// Runs `auth login` in the background with stderr in `err_file`; returns its PID.
pid_t start_login(const std::vector<std::string>& args, const std::vector<std::string>& env,
                  const std::string& err_file) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int null = ::open("/dev/null", O_RDWR);
        int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(err, 2);
        for (const auto& e : env)
            ::putenv(const_cast<char*>(e.c_str()));
        std::vector<char*> argv = {const_cast<char*>(IMM_BINARY)};
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

// The authorization URL the login printed, once it has.
std::string wait_for_url(const std::string& err_file, const std::string& prefix) {
    for (int i = 0; i < 400; ++i) {
        std::string text = read_file(err_file);
        if (auto at = text.find(prefix); at != std::string::npos)
            return text.substr(at, text.find('\n', at) - at);
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return {};
}

int wait_exit(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("oauth: Google-style login through a loopback redirect with PKCE, then export",
          "[integration][oauth]") {
    OAuthServer& auth = world().auth;
    Account acct;
    const std::string err_file = acct.dir + "/login.err";
    pid_t pid = start_login({"auth", "login", "--provider", "google", "--user", "alice",
                             "--client-id", "test-client", "--oauth2-authorize-url",
                             auth.url("/authorize"), "--oauth2-token-url", auth.url("/token")},
                            acct.env(), err_file);
    const std::string url = wait_for_url(err_file, auth.url("/authorize?"));
    REQUIRE(!url.empty());
    CHECK(url.find("code_challenge_method=S256") != std::string::npos);
    CHECK(read_file(err_file).find("ssh -L ") != std::string::npos);
    CHECK(browse(url) == 200);
    int code = wait_exit(pid);
    INFO(read_file(err_file));
    REQUIRE(code == 0);
    auto run = acct.export_();
    INFO(both(run));
    CHECK(run.exit_code == 0);
}

TEST_CASE("oauth: a loopback redirect with another state is refused and nothing is stored",
          "[integration][oauth]") {
    OAuthServer& auth = world().auth;
    Account acct;
    const std::string err_file = acct.dir + "/login.err";
    pid_t pid = start_login({"auth", "login", "--provider", "google", "--user", "alice",
                             "--client-id", "test-client", "--oauth2-authorize-url",
                             auth.url("/authorize"), "--oauth2-token-url", auth.url("/token")},
                            acct.env(), err_file);
    const std::string url = wait_for_url(err_file, auth.url("/authorize?"));
    REQUIRE(!url.empty());
    // A forged redirect straight to the listener, as another page could send the browser.
    auto at = url.find("redirect_uri=");
    REQUIRE(at != std::string::npos);
    std::string redirect = url.substr(at + 13, url.find('&', at) - at - 13);
    char* decoded = curl_unescape(redirect.c_str(), static_cast<int>(redirect.size()));
    std::string loopback = decoded;
    curl_free(decoded);
    CHECK(browse(loopback + "?code=forged&state=wrong") == 400);
    CHECK(wait_exit(pid) == 6);
    CHECK(read_file(err_file).find("different state") != std::string::npos);
    CHECK(!std::filesystem::exists(acct.store));
}

}  // namespace imapmirror::test

namespace imapmirror::test {

TEST_CASE(
    "oauth: auth login --account and export --account take everything from the config, "
    "the store named after the account",
    "[integration][oauth]") {
    OAuthServer& auth = world().auth;
    const DovecotServer& s = world().imap;
    Account acct;
    const std::string config = acct.dir + "/config.toml";
    {
        std::ofstream(config) << "[accounts.work]\n"
                              << "host = \"127.0.0.1\"\nport = " << s.tls_port() << "\nca_file = \""
                              << s.ca_file() << "\"\n"
                              << "user = \"alice\"\noauth2 = true\nsasl = \"xoauth2\"\n"
                              << "client_id = \"test-client\"\n"
                              << "oauth2_device_url = \"" << auth.url("/devicecode") << "\"\n"
                              << "oauth2_token_url = \"" << auth.url("/token") << "\"\n"
                              << "oauth2_scope = \"imap offline_access\"\n"
                              << "out = \"" << acct.out << "\"\n";
    }
    auto login =
        run_imapmirror({"auth", "login", "--config", config, "--account", "work"}, acct.env());
    INFO(both(login));
    REQUIRE(login.exit_code == 0);
    CHECK(std::filesystem::exists(acct.state + "/imapmirror/tokens/work.json"));
    auto run = run_imapmirror({"export", "--config", config, "--account", "work"}, acct.env());
    INFO(both(run));
    CHECK(run.exit_code == 0);
    auth.control({{"revoke", "true"}});
    auto revoked = run_imapmirror({"export", "--config", config, "--account", "work"}, acct.env());
    CHECK(revoked.exit_code == 6);
    CHECK(revoked.err.find("run `imapmirror auth login --account work` again") !=
          std::string::npos);
}

}  // namespace imapmirror::test

namespace imapmirror::test {

TEST_CASE(
    "oauth: the device flow waits longer after slow_down and keeps polling while pending "
    "(RFC 8628 section 3.5)",
    "[integration][oauth]") {
    OAuthServer& auth = world().auth;
    Account acct;
    auth.control({{"device_script", "slow_down,authorization_pending"}});
    auto start = std::chrono::steady_clock::now();
    auto login = acct.login();
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(both(login));
    REQUIRE(login.exit_code == 0);
    // Interval 1 s; after slow_down 6 s for each later poll: 1 + 6 + 6 + 6 (approve_after 1).
    CHECK(seconds > 12);
    CHECK(auth.counter("slow_down") == 0);  // never polled faster than asked
}

TEST_CASE("oauth: a device code that expires before approval is exit 6 and nothing is stored",
          "[integration][oauth]") {
    OAuthServer& auth = world().auth;
    Account acct;
    auth.control({{"device_script", "authorization_pending,expired_token"}});
    auto login = acct.login();
    INFO(both(login));
    CHECK(login.exit_code == 6);
    CHECK(login.err.find("expired before it was approved") != std::string::npos);
    CHECK(!std::filesystem::exists(acct.store));
}

}  // namespace imapmirror::test
