#pragma once
// The failure hook (`--on-failure COMMAND`, config key `on_failure`): the user's command, run
// with /bin/sh -c after an export that did not succeed. What the run knows is passed in
// environment variables only, never spliced into the command, so server text cannot inject
// shell; the password and token variables are taken out of its environment.

#include <chrono>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace imapmirror::run {

// What the hook is told (the IMAPMIRROR_* variables of hook_environment).
struct FailureReport {
    std::string account;  // the config account's name, or USER@HOST without one
    int exit_code = 0;
    std::string error_kind;    // core::to_string(ErrorKind), "" when none
    std::string message;       // the one line printed on stderr (no secrets), "" when none
    std::string server_reply;  // "" when none
    std::string archive;       // DIR
};

// Variables never passed to the hook, whatever else the environment holds: the password and
// token variables imapmirror reads (IMAPMIRROR_PASSWORD, IMAPMIRROR_OAUTH2_TOKEN).
const std::vector<std::string>& always_secret_variables();

// The hook's environment: `inherited` (NAME=VALUE entries, as environ) without the variables
// named in always_secret_variables() or `secret_names` (e.g. the one --password-env names) and
// without any IMAPMIRROR_ variable this process was given, then IMAPMIRROR_ACCOUNT,
// IMAPMIRROR_EXIT_CODE, IMAPMIRROR_ERROR_KIND, IMAPMIRROR_MESSAGE, IMAPMIRROR_SERVER_REPLY,
// IMAPMIRROR_ARCHIVE. Pure.
std::vector<std::string> hook_environment(const std::vector<std::string>& inherited,
                                          const std::vector<std::string>& secret_names,
                                          const FailureReport& report);

// Runs `command` with /bin/sh -c in `environment`, stdin /dev/null, its stdout and stderr on
// our stderr (a --json summary on stdout stays clean), in a process group of its own. Waits at
// most `timeout`; then the group gets SIGTERM, and SIGKILL 5 s later. An error (Io) when it
// cannot be started, ends with a non-zero status, or runs out of time: the caller warns, the
// run's exit code stays what it was.
core::Result<void> run_hook(const std::string& command, const std::vector<std::string>& environment,
                            std::chrono::milliseconds timeout);

}  // namespace imapmirror::run
