#include "run/failure_hook.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace imapmirror::run {

namespace {

using core::ErrorKind;

constexpr std::string_view kPrefix = "IMAPMIRROR_";

std::string_view name_of(std::string_view entry) {
    return entry.substr(0, entry.find('='));
}

core::Error hook_error(std::string message) {
    auto e = core::make_error(ErrorKind::Io, std::move(message), core::Scope::Run);
    e.hint = "the run's exit code is unchanged; run the command by hand to see why";
    return e;
}

}  // namespace

const std::vector<std::string>& always_secret_variables() {
    static const std::vector<std::string> names = {"IMAPMIRROR_PASSWORD",
                                                   "IMAPMIRROR_OAUTH2_TOKEN"};
    return names;
}

std::vector<std::string> hook_environment(const std::vector<std::string>& inherited,
                                          const std::vector<std::string>& secret_names,
                                          const FailureReport& report) {
    std::vector<std::string> env;
    for (const auto& entry : inherited) {
        auto name = name_of(entry);
        // Every IMAPMIRROR_ variable of ours goes: the secret ones, and options (HOST, USER)
        // that would mislead an imapmirror the hook runs.
        if (name.substr(0, kPrefix.size()) == kPrefix ||
            std::find(secret_names.begin(), secret_names.end(), name) != secret_names.end())
            continue;
        env.push_back(entry);
    }
    auto set = [&](const char* name, const std::string& value) {
        env.push_back(std::string(kPrefix) + name + "=" + value);
    };
    set("ACCOUNT", report.account);
    set("EXIT_CODE", std::to_string(report.exit_code));
    set("ERROR_KIND", report.error_kind);
    set("MESSAGE", report.message);
    set("SERVER_REPLY", report.server_reply);
    set("ARCHIVE", report.archive);
    // No NUL can reach execve's strings: they are C strings there.
    for (auto& e : env)
        e.erase(std::remove(e.begin(), e.end(), '\0'), e.end());
    return env;
}

core::Result<void> run_hook(const std::string& command, const std::vector<std::string>& environment,
                            std::chrono::milliseconds timeout) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
    // Its own process group, so a timeout ends what the shell started too.
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    std::vector<char*> argv = {const_cast<char*>("/bin/sh"), const_cast<char*>("-c"),
                               const_cast<char*>(command.c_str()), nullptr};
    std::vector<char*> envp;
    for (const auto& e : environment)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        return hook_error(std::string("cannot start the failure hook with /bin/sh: ") +
                          std::strerror(rc));

    // Polled: a SIGCHLD handler would be process-wide state for one child.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto kill_deadline = deadline + std::chrono::seconds(5);
    bool terminated = false;
    int status = 0;
    for (;;) {
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR)
            return hook_error(std::string("waiting for the failure hook failed: ") +
                              std::strerror(errno));
        const auto now = std::chrono::steady_clock::now();
        if (!terminated && now >= deadline) {
            ::kill(-pid, SIGTERM);
            terminated = true;
        } else if (terminated && now >= kill_deadline) {
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (terminated) {
        const auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
        return hook_error("the failure hook ran longer than " + std::to_string(secs) +
                          " s and was stopped");
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return {};
    if (WIFSIGNALED(status))
        return hook_error("the failure hook was ended by signal " +
                          std::to_string(WTERMSIG(status)));
    return hook_error("the failure hook exited with status " +
                      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
}

}  // namespace imapmirror::run
