#pragma once
// Runs accounts of the config file side by side, each as its own child process of this binary
// (`export --account NAME --config FILE --json [export_args]`), so that a wrong password, a dead
// server, a full disk, a hanging password command, a crash or a memory blow-up stays within its
// account. Only running and collecting here; `backup` (cmd_backup.cpp) reports.

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace imapmirror::cli {

struct ChildOutcome {
    std::string account;
    bool started = false;  // false: never started (interrupted before its turn came)
    int exit_code = -1;    // the child's exit code; 128+N when signal N ended it
    double seconds = 0;
    std::string out;  // what it printed on stdout (its --json summary), at most 16 MB
    // Its last stderr line that starts "imapmirror: error: " (without that prefix), or why
    // it could not be started or what ended it; "" if none.
    std::string last_error;
};

struct RunnerOptions {
    std::string executable = "/proc/self/exe";
    std::vector<std::string> global_args;  // placed before the command: -v, -q
    std::string config_path;
    std::vector<std::string> export_args;  // after the account's: --dry-run
    size_t parallel = 2;
    // Each line a child writes on stderr, as it arrives, without its line end.
    std::function<void(const std::string& account, std::string_view line)> on_stderr_line;
    // Called as each account ends (in the order they end).
    std::function<void(const ChildOutcome&)> on_done;
};

// Runs `accounts` in the order given, at most `parallel` at once, and returns one outcome per
// account in that order. No password passes through argv: each child reads its account's
// password source from the config itself. A child gets /dev/null as stdin, a process group of
// its own (so a Ctrl-C reaches it once, through us), SIGTERM if this process dies, and an
// environment without IMAPMIRROR_HOST, _PORT, _USER and _AUTH_MECH (the config decides).
// Once core::interrupted() is true (install the handler first), every running child's process
// group gets one SIGINT (the child and, say, its password command), no other one starts, and the
// call returns when the running ones have ended.
std::vector<ChildOutcome> run_accounts(const std::vector<std::string>& accounts,
                                       const RunnerOptions& options);

}  // namespace imapmirror::cli
