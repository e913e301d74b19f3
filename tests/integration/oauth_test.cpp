// OAuth2 end to end: `auth login` against our own authorization server
// (scripts/lib/oauth_server.py), then `export --oauth2` against a real Dovecot whose oauth2
// passdb checks every bearer token through that server's introspection endpoint (RFC 7662).

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
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

    // Set by in_home(): a home directory of the test's own (the user units' %h).
    std::string home;
    // Set by under_unit(): what runs each export (the unit's sandbox).
    std::vector<std::string> prefix;

    std::vector<std::string> env() const {
        std::vector<std::string> e = {"XDG_STATE_HOME=" + state};
        if (!home.empty())
            e.push_back("HOME=" + home);
        return e;
    }
    // A home as the README's nightly setup makes it: the store in ~/.local/state (%S), the
    // archive in ~/mail-archive (made by `mkdir -p ~/mail-archive`).
    void in_home() {
        home = dir + "/home";
        state = home + "/.local/state";
        store = state + "/imapmirror/tokens/alice.json";
        out = home + "/mail-archive/alice";
        std::filesystem::create_directories(home + "/mail-archive");
    }
    // Each export from now on runs in the sandbox of `unit` (tests/integration/unit-sandbox).
    void under_unit(const std::string& unit) {
        prefix = {"/usr/bin/env",
                  "unshare",
                  "-rm",
                  "sh",
                  source_dir() + "/tests/integration/unit-sandbox",
                  unit};
    }
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
                              env(), prefix);
    }
    std::string stored_refresh_token() const {
        auto v = core::parse_json(read_file(store));
        REQUIRE(v);
        return *v->find("refresh_token")->as_string();
    }
};

// Whether this machine lets a test make a private mount namespace (user namespaces).
bool can_sandbox() {
    static const bool ok = std::system("unshare -rm true >/dev/null 2>&1") == 0;
    return ok;
}

std::string user_unit() {
    return source_dir() + "/contrib/systemd/imapmirror-backup.service.in";
}

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
    // (The server's own port now, not the relay's that the archive recorded: said once.)
    REQUIRE(acct.export_({"--repoint-archive"}).exit_code == 0);
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

TEST_CASE(
    "oauth: a loopback redirect with another state or none is refused without ending the login, "
    "and idle connections do not stall it",
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
    CHECK(browse(loopback + "?error=access_denied") == 400);  // no state: not ours to end
    // Ten idle local connections and a slow one do not hold up the real browser.
    auto port = loopback.substr(loopback.rfind(':') + 1);
    port.pop_back();  // the trailing '/'
    std::vector<int> sockets;
    for (int i = 0; i < 11; ++i) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        if (i == 10)
            (void)!::send(fd, "GET /?co", 8, MSG_NOSIGNAL);
        sockets.push_back(fd);
    }
    CHECK(!std::filesystem::exists(acct.store));
    const auto start = std::chrono::steady_clock::now();
    CHECK(browse(url) == 200);
    CHECK(wait_exit(pid) == 0);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    for (int fd : sockets)
        ::close(fd);
    INFO(read_file(err_file));
    CHECK(std::filesystem::exists(acct.store));
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

namespace imapmirror::test {

TEST_CASE(
    "oauth: two nights of export --oauth2 under the user unit's sandbox (ProtectHome=read-only "
    "with its ReadWritePaths) both succeed, and the rotated grant stays alive",
    "[integration][oauth][unit]") {
    if (!can_sandbox()) {
        WARN("SKIPPED: no private mount namespace here (unshare -rm)");
        return;
    }
    OAuthServer& auth = world().auth;
    Account acct;
    acct.in_home();
    // Access tokens inside the refresh margin: every night refreshes and rotates.
    auth.control({{"access_ttl", "60"}});
    REQUIRE(acct.login().exit_code == 0);  // at the terminal, as the README says
    acct.under_unit(user_unit());
    auto first = acct.export_();
    const std::string after_first = acct.stored_refresh_token();
    auto second = acct.export_();
    auth.control({{"access_ttl", "3600"}});
    INFO(both(first) + "\n" + both(second));
    CHECK(first.exit_code == 0);
    CHECK(second.exit_code == 0);
    const std::string saved = acct.stored_refresh_token();
    CHECK(saved != after_first);
    auto live = auth.tokens("live_refresh_tokens");
    CHECK(std::count(live.begin(), live.end(), saved) == 1);
}

TEST_CASE(
    "oauth: a token store the unit may not write stops the export before the refresh token is "
    "spent, in one line naming the directory and ReadWritePaths=, and the grant still works",
    "[integration][oauth][unit]") {
    if (!can_sandbox()) {
        WARN("SKIPPED: no private mount namespace here (unshare -rm)");
        return;
    }
    OAuthServer& auth = world().auth;
    Account acct;
    acct.in_home();
    auth.control({{"access_ttl", "60"}});
    REQUIRE(acct.login().exit_code == 0);
    // The unit as it shipped before: only the archive writable.
    const std::string unit = acct.dir + "/imapmirror-backup.service";
    {
        std::ofstream(unit) << "[Service]\nReadWritePaths=-%h/mail-archive\n"
                            << "Environment=IMAPMIRROR_UNIT=%n\n";
    }
    acct.under_unit(unit);
    const auto refreshes = auth.counter("refreshes");
    auto night = acct.export_();
    const auto spent = auth.counter("refreshes") - refreshes;
    auth.control({{"access_ttl", "3600"}});
    INFO(both(night));
    CHECK(night.exit_code == 9);
    const std::string tokens_dir = acct.state + "/imapmirror/tokens";
    CHECK(night.err.find("cannot write the token store directory " + tokens_dir) !=
          std::string::npos);
    CHECK(night.err.find("add ReadWritePaths=-" + tokens_dir +
                         " to imapmirror-backup.service (systemctl --user edit "
                         "imapmirror-backup.service)") != std::string::npos);
    CHECK(std::count(night.err.begin(), night.err.end(), '\n') == 1);
    CHECK(spent == 0);
    // Fixed (here: outside the sandbox), the next night works with the same grant.
    acct.prefix.clear();
    auto fixed = acct.export_();
    INFO(both(fixed));
    CHECK(fixed.exit_code == 0);
}

TEST_CASE(
    "oauth: an archive outside the unit's ReadWritePaths is refused in one line before any "
    "work, naming the unit option",
    "[integration][oauth][unit]") {
    if (!can_sandbox()) {
        WARN("SKIPPED: no private mount namespace here (unshare -rm)");
        return;
    }
    OAuthServer& auth = world().auth;
    Account acct;
    acct.in_home();
    auth.control({{"access_ttl", "60"}});
    REQUIRE(acct.login().exit_code == 0);
    acct.under_unit(user_unit());
    acct.out = acct.home + "/mail-backup";  // not ~/mail-archive
    const auto refreshes = auth.counter("refreshes");
    auto night = acct.export_();
    const auto spent = auth.counter("refreshes") - refreshes;
    auth.control({{"access_ttl", "3600"}});
    INFO(both(night));
    CHECK(night.exit_code == 9);
    CHECK(night.err == "imapmirror: error: the archive " + acct.out +
                           " is on a read-only file system here; nothing was done: add "
                           "ReadWritePaths=-" +
                           acct.out +
                           " to imapmirror-backup.service (systemctl --user edit "
                           "imapmirror-backup.service)\n");
    CHECK(spent == 0);
    CHECK(!std::filesystem::exists(acct.out));
}

TEST_CASE(
    "oauth: two processes refreshing one rotating grant at once both succeed: the second waits "
    "for the lock and uses the rotated token",
    "[integration][oauth]") {
    OAuthServer& auth = world().auth;
    Account acct;
    auth.control({{"access_ttl", "60"}});
    REQUIRE(acct.login().exit_code == 0);
    // Each refresh takes a second, so both processes have read the same grant before either
    // has saved its successor.
    auth.control({{"token_delay", "1"}});
    const DovecotServer& s = world().imap;
    auto args = [&](const std::string& out) {
        return std::vector<std::string>{
            "export",    "--host",    "127.0.0.1", "--port", std::to_string(s.tls_port()),
            "--ca-file", s.ca_file(), "--user",    "alice",  "--oauth2",
            "--out",     out};
    };
    pid_t a = start_login(args(acct.out + "-a"), acct.env(), acct.dir + "/a.err");
    pid_t b = start_login(args(acct.out + "-b"), acct.env(), acct.dir + "/b.err");
    const int code_a = wait_exit(a);
    const int code_b = wait_exit(b);
    auth.control({{"access_ttl", "3600"}, {"token_delay", "0"}});
    INFO(read_file(acct.dir + "/a.err") + read_file(acct.dir + "/b.err"));
    CHECK(code_a == 0);
    CHECK(code_b == 0);
    auto live = auth.tokens("live_refresh_tokens");
    CHECK(std::count(live.begin(), live.end(), acct.stored_refresh_token()) == 1);
}

TEST_CASE("oauth: an error_description that echoes the refresh token is printed redacted",
          "[integration][oauth]") {
    OAuthServer& auth = world().auth;
    Account acct;
    auth.control({{"access_ttl", "60"}});
    REQUIRE(acct.login().exit_code == 0);
    const std::string refresh_token = acct.stored_refresh_token();
    auth.control({{"echo_refresh", "true"}});
    auto run = acct.export_({"--json"});
    auth.control({{"access_ttl", "3600"}, {"echo_refresh", "false"}});
    INFO(both(run));
    CHECK(run.exit_code == 6);
    CHECK(run.err.find("[redacted]") != std::string::npos);
    CHECK(run.err.find(refresh_token) == std::string::npos);
    CHECK(run.out.find(refresh_token) == std::string::npos);
}

TEST_CASE("oauth: device login prints the endpoint's URL and user code escaped",
          "[integration][oauth]") {
    OAuthServer& auth = world().auth;
    Account acct;
    auth.control({{"user_code", "EVIL\x1b[2J\x1b]52;c;cHduZWQ=\x07"},
                  {"verification_uri", "http://127.0.0.1/\x1b]8;;http://evil.example\x1b\\go"}});
    auto login = acct.login();
    auth.control({{"user_code", "TEST-CODE"}, {"verification_uri", ""}});
    INFO(both(login));
    CHECK(login.exit_code == 0);
    CHECK(login.err.find('\x1b') == std::string::npos);
    CHECK(login.err.find('\x07') == std::string::npos);
    CHECK(login.err.find("EVIL\\x1b[2J") != std::string::npos);
}

}  // namespace imapmirror::test
