#pragma once
// Helpers for integration tests: private seeded real servers (scripts/test-server: Dovecot,
// Cyrus, Courier, imap4d), running the real imapmirror binary, and tiny misbehaving TCP servers.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace imapmirror::test {

// The real servers scripts/test-server can run.
enum class ServerKind { Dovecot, Cyrus, Courier, Mailutils };
const char* kind_name(ServerKind kind);  // as in `test-server start --kind`: "cyrus", ...

// A seeded real IMAP server on 127.0.0.1 in its own temp dir, plain port and implicit TLS on
// the next one; stopped (by PID) and removed on destruction.
class RealServer {
  public:
    // Starts and seeds a server of `kind`. If the kind cannot run on this machine (its
    // packages cannot be downloaded, it needs root, ...: test-server exits 77), available()
    // is false and skip_reason() says why; any other failure fails the test (REQUIRE).
    // `start_args` go to `test-server start` after the port (e.g. {"--oauth2", URL}).
    explicit RealServer(ServerKind kind, std::vector<std::string> start_args = {});
    virtual ~RealServer();
    RealServer(const RealServer&) = delete;
    RealServer& operator=(const RealServer&) = delete;

    ServerKind kind() const { return m_kind; }
    bool available() const { return m_port != 0; }
    const std::string& skip_reason() const { return m_skip_reason; }
    int plain_port() const { return m_port; }
    int tls_port() const { return m_port + 1; }
    const std::string& dir() const { return m_dir; }
    std::string user() const;  // "alice"; imap4d: "alice@localhost" (see scripts/test-server)
    std::string password_file() const { return m_dir + "/password"; }
    std::string ca_file() const { return m_dir + "/ca.pem"; }
    std::string password() const;
    // Connection options for the TLS port with the test CA and password file.
    std::vector<std::string> tls_args() const;
    // Appends `message` to `folder` (created if needed) with `test-server load`.
    void load(const std::string& folder, const std::string& message);
    // Messages appended with load() so far.
    int loaded() const { return m_loaded; }

  private:
    // Stops the server and removes its dir. No Catch2 assertion: shared servers are destroyed
    // after the test session has ended.
    void stop();

    ServerKind m_kind;
    std::string m_dir;
    std::string m_skip_reason;
    int m_port = 0;
    int m_loaded = 0;
};

// A seeded Dovecot: a RealServer that must start (REQUIRE), with doveadm.
class DovecotServer : public RealServer {
  public:
    explicit DovecotServer(std::vector<std::string> start_args = {});
    // Runs doveadm against this server; returns its stdout.
    std::string doveadm(const std::string& args) const;
};

// Saves each file of `files` into `folder` of `server` (created if needed), in order, with
// `scripts/test-server load`; REQUIREs success.
void load_files(const RealServer& server, const std::string& folder,
                const std::vector<std::string>& files);

struct RunResult {
    int exit_code = -1;
    std::string out, err;
    double seconds = 0;
    double seconds_after_signal = 0;  // from a signal sent by the test to the exit
};

// Runs build/imapmirror with `args` (no shell; each element is one argv entry), with extra
// environment `env` ("NAME=value"), stdin from /dev/null.
// `prefix` runs before the binary (e.g. {"/usr/bin/prlimit", "--fsize=100000"}).
RunResult run_imapmirror(const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {},
                         const std::vector<std::string>& prefix = {});

std::string read_file(const std::string& path);

// a followed by b: building argv from a command and shared options.
std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b);

// Rows of a read-only query on an archive's index, each column as text ("" for NULL).
// Test-only: the SQL is the test's own constant.
std::vector<std::vector<std::string>> query(const std::string& db_path, const std::string& sql);
std::string make_temp_dir();
// A make_temp_dir() removed with everything in it when the test ends, however it ends.
struct TempDir {
    TempDir() : path(make_temp_dir()) {}
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string path;
};
std::string source_dir();

// Starts imapmirror, sends it SIGKILL after `delay_ms`, and waits for it (a crash at a random
// point). Returns true when the process was still running when killed.
bool run_imapmirror_killed(const std::vector<std::string>& args, int delay_ms);

// Starts imapmirror and sends `sig` (SIGINT: Ctrl-C) as soon as `ready()` holds (asked every 50
// ms), or after `timeout_ms` if it never does, so that a test's moment does not depend on the
// machine's speed.
RunResult run_imapmirror_signalled_when(const std::vector<std::string>& args,
                                        const std::function<bool()>& ready, int timeout_ms,
                                        int sig);

// Bodies Dovecot sent (sum of body_count= in its log) since `log_offset`, waiting up to 5 s for
// the session's logout line to be written.
uint64_t dovecot_bodies_since(const std::string& log_path, size_t log_offset);

// A TCP server on 127.0.0.1 (ephemeral port) that runs `session(fd)` for each connection on
// a thread, until destroyed.
class FakeServer {
  public:
    // `concurrent`: each connection in its own thread (else one at a time, in order).
    explicit FakeServer(std::function<void(int fd)> session, bool concurrent = false);
    ~FakeServer();
    int port() const { return m_port; }

  private:
    int m_listen = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
    std::vector<std::thread> m_sessions;
    std::function<void(int)> m_session;
};

// A TCP relay on 127.0.0.1 to `target_port`. The first connection misbehaves once the server
// has sent `after_bytes`: Cut closes both sides, Stall stops forwarding (but keeps the
// connection open). Later connections are relayed faithfully, several at a time.
class FaultyRelay {
  public:
    enum class Fault { Cut, Stall };
    // A relay to `target_port` on 127.0.0.1 whose first connection to pass `after_bytes` from
    // the server is cut or stalls there. `every_connection`: each connection misbehaves.
    FaultyRelay(int target_port, size_t after_bytes, Fault fault, bool every_connection = false);
    ~FaultyRelay();
    int port() const { return m_server->port(); }
    int connections() const { return m_connections; }
    int faults() const { return m_faults; }  // connections cut or stalled so far

  private:
    std::unique_ptr<FakeServer> m_server;
    std::atomic<int> m_connections{0};
    std::atomic<bool> m_faulted{false};
    std::atomic<int> m_faults{0};
};

// A port on 127.0.0.1 with nothing listening (bound, then released).
int unused_port();

}  // namespace imapmirror::test
