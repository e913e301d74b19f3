#pragma once
// Scripted IMAP servers for the integration tests: what no real server does on demand (drops,
// stalls, odd answers). Each runs inside a FakeServer (test_server.hpp).

#include <functional>
#include <string>
#include <vector>

namespace imapmirror::test {

void send_all(int fd, const std::string& s);
// Waits (bounded) until the client hangs up.
void wait_for_close(int fd);

// Reply suffix: send what comes before, then hang up.
inline constexpr const char* kClose = "<close>";
// Reply prefix: send what follows, then stop answering (keep the connection open).
inline constexpr const char* kStall = "<stall>";

// A scripted IMAP server: greets, then answers each command line with answer(tag, command).
// It advertises no SASL mechanism, so libcurl logs in with LOGIN.
std::function<void(int)> scripted_imap(
    std::function<std::string(const std::string&, const std::string&)> answer,
    std::string greeting = "* OK [CAPABILITY IMAP4rev1] fake ready\r\n");

// Logs in anyone, answers CAPABILITY and EXAMINE, and hands FETCH to `on_fetch`.
std::function<void(int)> fake_mailbox(std::function<std::string(const std::string&)> on_fetch);

// Options that point imapmirror at a scripted server on `port` (plain, short timeouts).
std::vector<std::string> fake_args(int port);
// The environment that gives it a password (the scripted servers accept any).
extern const std::vector<std::string> kFakePassword;

}  // namespace imapmirror::test
