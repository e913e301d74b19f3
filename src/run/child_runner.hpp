#pragma once
// Runs jobs side by side, each as a child process of its own, so that a wrong password, a dead
// server, a full disk, a hanging password command, a crash or a memory blow-up stays within its
// job. Only running and collecting here; what a job is and what its output means is the
// caller's (cli/cmd_backup for `backup`).

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace imapmirror::run {

struct ChildJob {
    std::string name;               // the caller's name for it (an account), in outcomes
    std::vector<std::string> args;  // after the executable
};

struct ChildOutcome {
    std::string name;
    bool started = false;  // false: never started (interrupted before its turn came)
    int exit_code = -1;    // the child's exit code; 128+N when signal N ended it
    double seconds = 0;
    std::string out;  // what it printed on stdout, at most 16 MB
    // Its last stderr line that starts with error_prefix (without that prefix), or why it
    // could not be started or what ended it; "" if none.
    std::string last_error;
};

// The exit codes an outcome gets for what went wrong around the child, not in it.
struct ChildExitCodes {
    int parent_gone;   // the child found its parent dead before it could run
    int cannot_start;  // no pipe, no fork, no /dev/null
    int internal;      // execve failed, or the child was lost track of
};

struct RunnerOptions {
    std::string executable = "/proc/self/exe";
    std::string program_name;            // in the line written when execve fails
    std::vector<std::string> scrub_env;  // environment variables the children do not get
    std::string error_prefix;            // marks a child's stderr line as its error
    ChildExitCodes codes{};
    size_t parallel = 2;
    // Each line a child writes on stderr, as it arrives, without its line end.
    std::function<void(const std::string& name, std::string_view line)> on_stderr_line;
    // Called as each job ends (in the order they end).
    std::function<void(const ChildOutcome&)> on_done;
};

// Runs `jobs` in the order given, at most `parallel` at once, and returns one outcome per job
// in that order. A child gets /dev/null as stdin, a process group of its own (so a Ctrl-C
// reaches it once, through us), SIGTERM if this process dies, and this environment without
// `scrub_env`. Once core::interrupted() is true (install the handler first), every running
// child's process group gets one SIGINT (the child and, say, its password command), no other
// one starts, and the call returns when the running ones have ended.
std::vector<ChildOutcome> run_children(const std::vector<ChildJob>& jobs,
                                       const RunnerOptions& options);

}  // namespace imapmirror::run
