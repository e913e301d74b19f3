#include "test_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>

namespace imapmirror::test {

std::string source_dir() {
    return IMM_SOURCE_DIR;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::vector<std::vector<std::string>> query(const std::string& db_path, const std::string& sql) {
    // Closed on every path: a REQUIRE that fails throws, and a handle left open is a leak that
    // fails the whole test binary under LeakSanitizer, hiding the real failure.
    struct Handles {
        sqlite3* db = nullptr;
        sqlite3_stmt* st = nullptr;
        ~Handles() {
            sqlite3_finalize(st);
            sqlite3_close(db);
        }
    } h;
    const int opened = sqlite3_open_v2(db_path.c_str(), &h.db, SQLITE_OPEN_READONLY, nullptr);
    INFO(db_path << ": " << sqlite3_errmsg(h.db));
    REQUIRE(opened == SQLITE_OK);
    INFO(sql);
    REQUIRE(sqlite3_prepare_v2(h.db, sql.c_str(), -1, &h.st, nullptr) == SQLITE_OK);
    std::vector<std::vector<std::string>> rows;
    while (sqlite3_step(h.st) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int i = 0; i < sqlite3_column_count(h.st); ++i) {
            auto* t = sqlite3_column_text(h.st, i);
            row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

namespace {

// Every directory make_temp_dir made, removed when the test process ends (ctest runs each test
// case in a process of its own), so that a test need not remove what it made and a failed one
// leaves nothing behind either. IMAPMIRROR_KEEP_TEST_DIRS=1 keeps them for a post-mortem.
class TempDirRegistry {
  public:
    void add(const std::string& path) {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_paths.push_back(path);
    }
    ~TempDirRegistry() {
        const char* keep = std::getenv("IMAPMIRROR_KEEP_TEST_DIRS");
        if (keep != nullptr && std::string(keep) == "1")
            return;
        for (const auto& path : m_paths) {
            std::error_code ec;
            if (std::filesystem::remove_all(path, ec) != static_cast<std::uintmax_t>(-1) && !ec)
                continue;
            // A test made part of it read-only (permission tests): give the owner access back.
            std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                         std::filesystem::perm_options::add, ec);
            for (auto it = std::filesystem::recursive_directory_iterator(
                     path, std::filesystem::directory_options::skip_permission_denied, ec);
                 !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
                if (it->is_directory(ec) && !it->is_symlink(ec))
                    std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                                 std::filesystem::perm_options::add, ec);
            std::filesystem::remove_all(path, ec);
        }
    }

  private:
    std::mutex m_mutex;
    std::vector<std::string> m_paths;
};

TempDirRegistry& temp_dir_registry() {
    static TempDirRegistry registry;
    return registry;
}

}  // namespace

std::string make_temp_dir() {
    std::string tmpl = "/tmp/imapmirror-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    temp_dir_registry().add(tmpl);
    return tmpl;
}

TempDir::~TempDir() {
    std::error_code ignored;  // a destructor reports nothing; the directory is under /tmp
    std::filesystem::remove_all(path, ignored);
}

namespace {

bool port_free(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

// Runs argv with stdout/stderr captured to files; returns the exit code.
// Starts argv with stdin from /dev/null and stdout/stderr into `dir`/out and `dir`/err.
pid_t spawn_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const std::string& dir) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int in = ::open("/dev/null", O_RDONLY);
        int out = ::open((dir + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = ::open((dir + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        ::unsetenv("IMAPMIRROR_PASSWORD");
        for (const auto& e : env)
            ::putenv(const_cast<char*>(e.c_str()));
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

// Waits for a process from spawn_process and collects its result; removes `dir`.
RunResult wait_result(pid_t pid, const std::string& dir,
                      std::chrono::steady_clock::time_point start) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    RunResult r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_file(dir + "/out");
    r.err = read_file(dir + "/err");
    std::system(("rm -rf '" + dir + "'").c_str());
    return r;
}

RunResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    std::string dir = make_temp_dir();
    auto start = std::chrono::steady_clock::now();
    return wait_result(spawn_process(argv, env, dir), dir, start);
}

std::vector<std::string> imapmirror_argv(const std::vector<std::string>& args) {
    return with({IMM_BINARY}, args);
}

}  // namespace

RunResult run_imapmirror(const std::vector<std::string>& args, const std::vector<std::string>& env,
                         const std::vector<std::string>& prefix) {
    std::vector<std::string> argv = prefix;
    argv.push_back(IMM_BINARY);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, env);
}

int unused_port() {
    std::mt19937 rng(
        static_cast<unsigned>(::getpid()) ^
        static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    for (;;) {
        int p = 20000 + static_cast<int>(rng() % 30000);
        if (port_free(p))
            return p;
    }
}

const char* kind_name(ServerKind kind) {
    switch (kind) {
        case ServerKind::Dovecot:
            return "dovecot";
        case ServerKind::Cyrus:
            return "cyrus";
        case ServerKind::Courier:
            return "courier";
        case ServerKind::Mailutils:
            return "mailutils";
    }
    return "?";
}

RealServer::RealServer(ServerKind kind, std::vector<std::string> start_args) : m_kind(kind) {
    m_dir = make_temp_dir();
    const std::string script = source_dir() + "/scripts/test-server";
    std::mt19937 rng(
        static_cast<unsigned>(::getpid()) ^
        static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::string errors;
    for (int attempt = 0; attempt < 10 && m_port == 0; ++attempt) {
        int p = 20000 + 2 * static_cast<int>(rng() % 15000);
        if (!port_free(p) || !port_free(p + 1))
            continue;
        // Another test may grab the port between the check and the start: retry on failure.
        auto r = run_process(with({"/bin/bash", script, "start", m_dir, std::to_string(p), "--kind",
                                   kind_name(kind)},
                                  start_args),
                             {});
        if (r.exit_code == 77) {
            m_skip_reason = r.err;
            return;
        }
        if (r.exit_code == 0)
            m_port = p;
        else
            errors += r.err;
    }
    if (m_port == 0)
        stop();  // the destructor will not run: the constructor fails
    INFO(errors);
    REQUIRE(m_port != 0);
    auto seeded = run_process({"/bin/bash", script, "seed", m_dir}, {});
    if (seeded.exit_code != 0)
        stop();  // the destructor will not run: the constructor fails
    INFO(seeded.err);
    REQUIRE(seeded.exit_code == 0);
}

void RealServer::stop() {
    std::system(("/bin/bash '" + source_dir() + "/scripts/test-server' stop '" + m_dir +
                 "' >/dev/null 2>&1; rm -rf '" + m_dir + "'")
                    .c_str());
}

RealServer::~RealServer() {
    stop();
}

std::string RealServer::user() const {
    std::string u = read_file(m_dir + "/user");
    while (!u.empty() && (u.back() == '\n' || u.back() == '\r'))
        u.pop_back();
    return u.empty() ? "alice" : u;
}

std::string RealServer::password() const {
    std::string p = read_file(password_file());
    while (!p.empty() && (p.back() == '\n' || p.back() == '\r'))
        p.pop_back();
    return p;
}

std::vector<std::string> RealServer::tls_args() const {
    return {"--host", "127.0.0.1", "--port",  std::to_string(tls_port()), "--user",
            user(),   "--ca-file", ca_file(), "--password-file",          password_file()};
}

void RealServer::load(const std::string& folder, const std::string& message) {
    std::string path = m_dir + "/new.eml";
    std::ofstream(path, std::ios::binary) << message;
    REQUIRE(std::system(("echo '" + path + "' | '" + source_dir() + "/scripts/test-server' load '" +
                         m_dir + "' '" + folder + "'")
                            .c_str()) == 0);
    ++m_loaded;
}

void load_files(const RealServer& server, const std::string& folder,
                const std::vector<std::string>& files) {
    std::string list_path = server.dir() + "/load-list";
    {
        std::ofstream list(list_path);
        for (const auto& f : files)
            list << f << "\n";
    }
    std::string cmd = "'" + source_dir() + "/scripts/test-server' load '" + server.dir() + "' '" +
                      folder + "' < '" + list_path + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
}

DovecotServer::DovecotServer(std::vector<std::string> start_args)
    : RealServer(ServerKind::Dovecot, std::move(start_args)) {
    INFO(skip_reason());
    REQUIRE(available());
}

std::string DovecotServer::doveadm(const std::string& args) const {
    std::string cmd = "doveadm -c '" + dir() + "/dovecot.conf' " + args;
    auto r = run_process({"/bin/sh", "-c", cmd}, {});
    INFO(cmd << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

FakeServer::FakeServer(std::function<void(int)> session, bool concurrent)
    : m_session(std::move(session)) {
    m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(m_listen >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(m_listen, 8) == 0);
    socklen_t len = sizeof a;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&a), &len);
    m_port = ntohs(a.sin_port);
    m_thread = std::thread([this, concurrent] {
        while (!m_stop) {
            pollfd p{m_listen, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0)
                continue;
            int fd = ::accept(m_listen, nullptr, nullptr);
            if (fd < 0)
                continue;
            auto serve = [this, fd] {
                m_session(fd);
                ::close(fd);
            };
            if (concurrent)
                m_sessions.emplace_back(serve);
            else
                serve();
        }
    });
}

FakeServer::~FakeServer() {
    m_stop = true;
    m_thread.join();
    for (auto& t : m_sessions)
        t.join();
    ::close(m_listen);
}

bool run_imapmirror_killed(const std::vector<std::string>& args, int delay_ms) {
    std::string dir = make_temp_dir();
    auto argv = imapmirror_argv(args);
    auto start = std::chrono::steady_clock::now();
    pid_t pid = spawn_process(argv, {}, dir);
    ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
    int status = 0;
    bool alive = ::waitpid(pid, &status, WNOHANG) == 0;  // 0: not exited yet
    if (alive)
        ::kill(pid, SIGKILL);
    wait_result(pid, dir, start);
    return alive;
}

RunResult run_imapmirror_signalled_when(const std::vector<std::string>& args,
                                        const std::function<bool()>& ready, int timeout_ms,
                                        int sig) {
    std::string dir = make_temp_dir();
    auto argv = imapmirror_argv(args);
    auto start = std::chrono::steady_clock::now();
    pid_t pid = spawn_process(argv, {}, dir);
    const auto deadline = start + std::chrono::milliseconds(timeout_ms);
    auto exited = [pid] {  // without reaping it: wait_result does that
        siginfo_t info{};
        return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
               info.si_pid == pid;
    };
    while (!ready() && std::chrono::steady_clock::now() < deadline && !exited())
        ::usleep(50 * 1000);
    const auto signalled = std::chrono::steady_clock::now();
    ::kill(pid, sig);
    RunResult r = wait_result(pid, dir, start);
    r.seconds_after_signal =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
    return r;
}

uint64_t dovecot_bodies_since(const std::string& log_path, size_t log_offset) {
    std::string tail;
    for (int i = 0; i < 100; ++i) {
        tail = read_file(log_path).substr(std::min(log_offset, read_file(log_path).size()));
        if (tail.find("Disconnected") != std::string::npos)
            break;
        ::usleep(50 * 1000);
    }
    uint64_t total = 0;
    for (size_t p = tail.find("body_count="); p != std::string::npos;
         p = tail.find("body_count=", p + 1))
        total += std::stoull(tail.substr(p + 11));
    return total;
}

namespace {
// `claim_fault` is asked once, when this connection is about to pass `after_bytes`: true makes
// it misbehave.
void relay(int client, int target_port, size_t after_bytes,
           const std::function<bool()>& claim_fault, FaultyRelay::Fault fault) {
    int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(target_port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(upstream, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(upstream);
        return;
    }
    size_t from_server = 0;
    bool stalled = false;
    std::optional<bool> faulty;  // decided when the threshold is reached
    char buf[16384];
    for (int idle = 0; idle < 600;) {  // bounded: at most 60 s of silence
        pollfd p[2] = {{client, POLLIN, 0},
                       {upstream, static_cast<short>(stalled ? 0 : POLLIN), 0}};
        int n = ::poll(p, 2, 100);
        if (n == 0) {
            ++idle;
            continue;
        }
        idle = 0;
        if (p[0].revents) {
            ssize_t got = ::recv(client, buf, sizeof buf, 0);
            if (got <= 0)
                break;
            if (!stalled)
                ::send(upstream, buf, static_cast<size_t>(got), MSG_NOSIGNAL);
        }
        if (p[1].revents) {
            ssize_t got = ::recv(upstream, buf, sizeof buf, 0);
            if (got <= 0)
                break;
            size_t pass = static_cast<size_t>(got);
            if (from_server + pass > after_bytes && !faulty)
                faulty = claim_fault();
            if (faulty.value_or(false) && from_server + pass > after_bytes)
                pass = after_bytes - std::min(after_bytes, from_server);
            ::send(client, buf, pass, MSG_NOSIGNAL);
            from_server += pass;
            if (faulty.value_or(false) && pass < static_cast<size_t>(got)) {
                if (fault == FaultyRelay::Fault::Cut)
                    break;
                stalled = true;
            }
        }
    }
    ::close(upstream);
}
}  // namespace

FaultyRelay::FaultyRelay(int target_port, size_t after_bytes, Fault fault, bool every_connection) {
    m_server = std::make_unique<FakeServer>(
        [=, this](int fd) {
            ++m_connections;
            // Only the first connection to carry `after_bytes` misbehaves (unless all do): the
            // one that asks the server's capabilities before logging in never gets that far.
            relay(
                fd, target_port, after_bytes,
                [this, every_connection] {
                    const bool faulty = every_connection || !m_faulted.exchange(true);
                    m_faults += faulty;
                    return faulty;
                },
                fault);
        },
        true);
}

FaultyRelay::~FaultyRelay() = default;

}  // namespace imapmirror::test
