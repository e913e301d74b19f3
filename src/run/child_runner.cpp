#include "run/child_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <list>

#include "core/interrupt.hpp"

extern char** environ;

namespace imapmirror::run {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxOut = 16u << 20;
constexpr size_t kMaxLine = 64u << 10;

struct Child {
    size_t index = 0;  // into the outcomes
    pid_t pid = -1;
    int out_fd = -1, err_fd = -1;
    Clock::time_point start;
    std::string err_line;  // a stderr line not yet ended
    bool interrupted = false;
};

// argv and envp prepared before fork(): the child only calls async-signal-safe functions.
struct Exec {
    std::vector<std::string> args, env;
    std::vector<char*> argv, envp;
    std::string exec_failed;  // the line written when execve fails

    Exec(const RunnerOptions& o, const ChildJob& job) {
        args.push_back(o.executable);
        args.insert(args.end(), job.args.begin(), job.args.end());
        for (char** e = environ; *e; ++e) {
            std::string_view entry(*e);
            bool scrub = false;
            for (const std::string& name : o.scrub_env)
                scrub = scrub || (entry.size() > name.size() && entry[name.size()] == '=' &&
                                  entry.substr(0, name.size()) == name);
            if (!scrub)
                env.emplace_back(entry);
        }
        exec_failed = o.error_prefix + "cannot run " + o.program_name + " for " + job.name + "\n";
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        for (auto& e : env)
            envp.push_back(e.data());
        envp.push_back(nullptr);
    }
};

void close_fd(int& fd) {
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

// Starts one child; on failure says why in `outcome`.
bool start(const RunnerOptions& o, const ChildJob& job, size_t index, ChildOutcome& outcome,
           Child& child) {
    Exec exec(o, job);
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        outcome.last_error = std::string("cannot start: ") + std::strerror(errno);
        return false;
    }
    if (::pipe2(err, O_CLOEXEC) != 0) {
        outcome.last_error = std::string("cannot start: ") + std::strerror(errno);
        ::close(out[0]);
        ::close(out[1]);
        return false;
    }
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setpgid(0, 0);
        // The parent may have died before prctl: then nobody would stop this child.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent)
            ::_exit(o.codes.parent_gone);
        int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (in < 0 || ::dup2(in, 0) < 0 || ::dup2(out[1], 1) < 0 || ::dup2(err[1], 2) < 0)
            ::_exit(o.codes.cannot_start);
        ::execve(exec.argv[0], exec.argv.data(), exec.envp.data());
        (void)!::write(2, exec.exec_failed.data(), exec.exec_failed.size());
        ::_exit(o.codes.internal);
    }
    int fork_errno = errno;
    // Also here, as shells do: a Ctrl-C right after fork() must find the group to signal.
    // (EACCES once the child has exec'd and set it itself: fine.)
    if (pid > 0)
        (void)::setpgid(pid, pid);
    ::close(out[1]);
    ::close(err[1]);
    if (pid < 0) {
        ::close(out[0]);
        ::close(err[0]);
        outcome.last_error = std::string("cannot start: ") + std::strerror(fork_errno);
        return false;
    }
    ::fcntl(out[0], F_SETFL, O_NONBLOCK);
    ::fcntl(err[0], F_SETFL, O_NONBLOCK);
    child = Child{index, pid, out[0], err[0], Clock::now(), {}, false};
    outcome.started = true;
    return true;
}

void on_err_line(const RunnerOptions& o, ChildOutcome& outcome, std::string_view line) {
    if (!o.error_prefix.empty() && line.rfind(o.error_prefix, 0) == 0)
        outcome.last_error = std::string(line.substr(o.error_prefix.size()));
    if (o.on_stderr_line)
        o.on_stderr_line(outcome.name, line);
}

// Reads what is there without blocking; closes the descriptor at end of file.
void drain(const RunnerOptions& o, Child& child, ChildOutcome& outcome) {
    char buf[65536];
    while (child.out_fd >= 0) {
        ssize_t n = ::read(child.out_fd, buf, sizeof buf);
        if (n > 0) {
            size_t room = kMaxOut - std::min(kMaxOut, outcome.out.size());
            outcome.out.append(buf, std::min(room, static_cast<size_t>(n)));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            close_fd(child.out_fd);
        } else if (errno == EAGAIN) {
            break;
        }
    }
    while (child.err_fd >= 0) {
        ssize_t n = ::read(child.err_fd, buf, sizeof buf);
        if (n > 0) {
            child.err_line.append(buf, static_cast<size_t>(n));
            size_t nl;
            while ((nl = child.err_line.find('\n')) != std::string::npos) {
                on_err_line(o, outcome, std::string_view(child.err_line).substr(0, nl));
                child.err_line.erase(0, nl + 1);
            }
            if (child.err_line.size() > kMaxLine) {
                on_err_line(o, outcome, child.err_line);
                child.err_line.clear();
            }
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            close_fd(child.err_fd);
        } else if (errno == EAGAIN) {
            break;
        }
    }
}

// When the child has exited: collects the rest of its output and its status. Its pipes may
// outlive it (a password command's daemon can inherit them), so only what is there is read.
bool reap(const RunnerOptions& o, Child& child, ChildOutcome& outcome) {
    int status = 0;
    pid_t r = ::waitpid(child.pid, &status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR))
        return false;
    drain(o, child, outcome);
    close_fd(child.out_fd);
    close_fd(child.err_fd);
    if (!child.err_line.empty())
        on_err_line(o, outcome, child.err_line);
    outcome.seconds = std::chrono::duration<double>(Clock::now() - child.start).count();
    if (r < 0) {
        outcome.exit_code = o.codes.internal;
        outcome.last_error = std::string("lost track of its process: ") + std::strerror(errno);
    } else if (WIFEXITED(status)) {
        outcome.exit_code = WEXITSTATUS(status);
    } else {
        int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        outcome.exit_code = 128 + sig;
        outcome.last_error = child.interrupted && sig == SIGINT
                                 ? std::string("interrupted")
                                 : std::string("killed by signal ") + std::to_string(sig) + " (" +
                                       (sig ? strsignal(sig) : "?") + ")";
    }
    if (o.on_done)
        o.on_done(outcome);
    return true;
}

}  // namespace

std::vector<ChildOutcome> run_children(const std::vector<ChildJob>& jobs,
                                       const RunnerOptions& options) {
    std::vector<ChildOutcome> outcomes(jobs.size());
    for (size_t i = 0; i < jobs.size(); ++i)
        outcomes[i].name = jobs[i].name;
    std::list<Child> running;
    size_t next = 0;
    bool stop_sent = false;
    const size_t parallel = std::max<size_t>(1, options.parallel);

    while (running.size() > 0 || (next < jobs.size() && !core::interrupted())) {
        if (core::interrupted() && !stop_sent) {
            // To its whole process group, as a terminal would: a password command it is
            // waiting for stops too.
            for (auto& c : running) {
                ::kill(-c.pid, SIGINT);
                c.interrupted = true;
            }
            stop_sent = true;
        }
        while (!core::interrupted() && running.size() < parallel && next < jobs.size()) {
            Child child;
            size_t index = next++;
            if (start(options, jobs[index], index, outcomes[index], child)) {
                running.push_back(std::move(child));
            } else {
                outcomes[index].started = true;
                outcomes[index].exit_code = options.codes.cannot_start;
                if (options.on_done)
                    options.on_done(outcomes[index]);
            }
        }

        std::vector<pollfd> fds;
        for (const auto& c : running)
            for (int fd : {c.out_fd, c.err_fd})
                if (fd >= 0)
                    fds.push_back({fd, POLLIN, 0});
        // A short timeout: children are reaped, and an interruption noticed, within 200 ms
        // even when they print nothing.
        ::poll(fds.data(), fds.size(), 200);

        for (auto it = running.begin(); it != running.end();) {
            drain(options, *it, outcomes[it->index]);
            if (reap(options, *it, outcomes[it->index]))
                it = running.erase(it);
            else
                ++it;
        }
    }
    return outcomes;
}

}  // namespace imapmirror::run
