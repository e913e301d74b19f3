// The parent's side of sandbox.hpp: starts the child, sends it documents, reads its answers
// under a deadline, and tells why a child ended when it did not answer.
#include "extract/sandbox.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/interrupt.hpp"
#include "core/sanitizers.hpp"
#include "extract/sandbox_protocol.hpp"

namespace imapmirror::extract {

namespace {

using Clock = std::chrono::steady_clock;

ExtractedText failed(std::string why) {
    return ExtractedText{"", "failed:" + std::move(why)};
}

std::string seconds_of(std::chrono::milliseconds ms) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(ms).count());
}

// Why waiting on the child's socket stopped: "" when it is ready, else the reason.
std::string wait_for(int fd, short events, Clock::time_point deadline,
                     std::chrono::milliseconds wall) {
    for (;;) {
        if (core::interrupted())
            return "interrupted";
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            return "timeout after " + seconds_of(wall) + " s";
        pollfd p{fd, events, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
        if (ready < 0 && errno != EINTR)
            return std::string("poll: ") + std::strerror(errno);
        if (ready > 0)
            return "";
    }
}

// The variables the child may see: the sanitizers' settings, nothing else (the parent's
// environment may hold IMAPMIRROR_PASSWORD or a token).
// Set by use_extractor_program (the test mains); else found from this binary's own path.
std::string& program_override() {
    static std::string path;
    return path;
}

std::vector<std::string> child_environment() {
    std::vector<std::string> env;
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
        if (const char* value = std::getenv(name))
            env.push_back(std::string(name) + "=" + value);
    return env;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

}  // namespace

SandboxedExtractor::SandboxedExtractor(ExtractLimits limits, SandboxLimits sandbox)
    : m_limits(limits), m_sandbox(sandbox) {}

SandboxedExtractor::~SandboxedExtractor() {
    stop_gracefully();
}

void use_extractor_program(std::string path) {
    program_override() = std::move(path);
}

std::string extractor_program() {
    if (!program_override().empty())
        return program_override();
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return "";  // never a bare name, which would be looked for in the working directory
    const std::string exe(self, static_cast<size_t>(n));
    const std::string dir = exe.substr(0, exe.rfind('/') + 1);
    // The build tree has it beside the binary; an installed tree in libexec.
    for (std::string candidate :
         {dir + "imapmirror-extract", dir + IMM_LIBEXEC_FROM_BIN + "/imapmirror-extract"})
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    return dir + IMM_LIBEXEC_FROM_BIN + "/imapmirror-extract";
}

std::string extractor_unavailable() {
    const std::string program = extractor_program();
    if (program.empty())
        return std::string("cannot read /proc/self/exe to find imapmirror-extract: ") +
               std::strerror(errno);
    if (::access(program.c_str(), X_OK) != 0)
        return program + ": " + std::strerror(errno) + " (reinstall imapmirror)";
    return "";
}

std::string SandboxedExtractor::start() {
    int sv[2];
    if (std::string why = extractor_unavailable(); !why.empty())
        return why;
    const std::string program = extractor_program();
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return std::string("socketpair: ") + std::strerror(errno);
    const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);

    // Everything the child needs is made before fork: between fork and exec a threaded parent's
    // child may only make async-signal-safe calls.
    std::vector<std::string> args = {"imapmirror-extract",
                                     std::string(kChildArgument),
                                     std::to_string(m_limits.max_input),
                                     std::to_string(m_limits.max_text),
                                     std::to_string(m_limits.max_pages),
                                     std::to_string(m_limits.max_member),
                                     std::to_string(m_limits.max_unzipped),
                                     std::to_string(m_sandbox.cpu_seconds)};
    std::vector<std::string> env = child_environment();
    const auto argv = pointers_to(args);
    const auto envp = pointers_to(env);
    // The per-document timer is the CPU limit; this one only backs it up over a child's life.
    const rlim_t cpu_total = rlim_t(m_sandbox.cpu_seconds) * (m_sandbox.documents + 1);
    const rlimit cpu{cpu_total, cpu_total + 1};
    [[maybe_unused]] const rlimit memory{m_sandbox.memory_bytes, m_sandbox.memory_bytes};
    const rlimit zero{0, 0};
    const pid_t parent = ::getpid();

    const pid_t pid = ::fork();
    if (pid < 0) {
        const int err = errno;
        ::close(sv[0]);
        ::close(sv[1]);
        if (null_fd >= 0)
            ::close(null_fd);
        return std::string("fork: ") + std::strerror(err);
    }
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127);
        if (::dup2(sv[1], 0) < 0 || ::dup2(sv[1], 1) < 0 ||
            ::dup2(null_fd >= 0 ? null_fd : sv[1], 2) < 0)
            ::_exit(127);
        ::syscall(SYS_close_range, 3u, ~0u, 0u);
        ::setrlimit(RLIMIT_CPU, &cpu);
        ::setrlimit(RLIMIT_FSIZE, &zero);
        ::setrlimit(RLIMIT_CORE, &zero);
        if (!core::kAddressSanitizer)  // ASan reserves more address space than any limit
            ::setrlimit(RLIMIT_AS, &memory);
        ::execve(program.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(sv[1]);
    if (null_fd >= 0)
        ::close(null_fd);
    m_socket = sv[0];
    m_pid = pid;
    m_served = 0;
    ++m_started;
    return "";
}

std::string SandboxedExtractor::kill_and_reap() {
    if (m_socket >= 0)
        ::close(m_socket);
    m_socket = -1;
    if (m_pid < 0)
        return "";
    // A child that closed its socket is ending on its own: give it a moment, so that the
    // reason it ended (a signal, an exit status) is its own and not our SIGKILL.
    int status = 0;
    pid_t done = 0;
    for (int i = 0; i < 20 && done == 0; ++i) {
        done = ::waitpid(m_pid, &status, WNOHANG);
        if (done == 0)
            ::usleep(5'000);
        else if (done < 0 && errno == EINTR)
            done = 0;
    }
    bool killed = false;
    if (done == 0) {
        ::kill(m_pid, SIGKILL);
        killed = true;
        while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    m_pid = -1;
    if (killed || done < 0)
        return "";
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        if (sig == SIGPROF || sig == SIGXCPU || sig == SIGKILL)
            return "CPU limit of " + std::to_string(m_sandbox.cpu_seconds) + " s";
        return "crashed (signal " + std::to_string(sig) + ")";
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return "cannot start the extractor";
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return "the extractor ended with status " + std::to_string(WEXITSTATUS(status));
    return "";
}

void SandboxedExtractor::stop_gracefully() {
    if (m_pid < 0)
        return;
    ::shutdown(m_socket, SHUT_WR);  // EOF on the child's stdin: it exits
    kill_and_reap();
}

ExtractedText SandboxedExtractor::failed_and_restart(std::string why) {
    // The deadline, Ctrl-C and too much output are ours to say; otherwise the child's end is.
    const bool ours = why.rfind("timeout", 0) == 0 || why == "interrupted" ||
                      why == "more output than the text cap";
    if (ours && m_pid >= 0)
        ::kill(m_pid, SIGKILL);
    const std::string ended = kill_and_reap();
    if (!ours && !ended.empty())
        why = ended;
    return failed(std::move(why));
}

ExtractedText SandboxedExtractor::extract(TextKind kind, std::string_view bytes) {
    if (bytes.size() > m_limits.max_input)
        return extract_text(kind, bytes, "", m_limits);  // skipped, without a process
    if (core::interrupted())
        return failed("interrupted");
    if (m_pid < 0) {
        const std::string why = start();
        if (!why.empty())
            return failed("cannot start the extractor: " + why);
    }
    const auto deadline = Clock::now() + m_sandbox.wall;

    // The request, without blocking past the deadline: a child that stopped reading costs
    // only its document.
    const std::string header =
        std::string(kind_name(kind)) + " " + std::to_string(bytes.size()) + "\n";
    for (std::string_view piece : {std::string_view(header), bytes}) {
        while (!piece.empty()) {
            if (auto why = wait_for(m_socket, POLLOUT, deadline, m_sandbox.wall); !why.empty())
                return failed_and_restart(why);
            const ssize_t n =
                ::send(m_socket, piece.data(), piece.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0)
                return failed_and_restart("the extractor closed its input");
            piece.remove_prefix(static_cast<size_t>(n));
        }
    }

    // The answer: two lines, then as many bytes of text as the second says.
    std::string answer;
    size_t body_at = 0, length = 0;
    for (;;) {
        if (body_at == 0) {
            const size_t first = answer.find('\n');
            const size_t second = first == std::string::npos ? first : answer.find('\n', first + 1);
            if (second != std::string::npos) {
                length =
                    static_cast<size_t>(std::strtoull(answer.c_str() + first + 1, nullptr, 10));
                if (length > m_limits.max_text + 4096)
                    return failed_and_restart("more output than the text cap");
                body_at = second + 1;
            } else if (answer.size() > 2 * protocol::kMaxHeaderLine) {
                return failed_and_restart("the extractor's answer was not understood");
            }
        }
        if (body_at && answer.size() >= body_at + length)
            break;
        if (auto why = wait_for(m_socket, POLLIN, deadline, m_sandbox.wall); !why.empty())
            return failed_and_restart(why);
        char buf[64 * 1024];
        const ssize_t n = ::recv(m_socket, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return failed_and_restart("the extractor ended without an answer");
        answer.append(buf, static_cast<size_t>(n));
    }

    ExtractedText result;
    result.status = answer.substr(0, std::min(answer.find('\n'), protocol::kMaxStatus));
    const bool known = result.status == "ok" || result.status == "truncated" ||
                       result.status.rfind("failed:", 0) == 0 ||
                       result.status.rfind("skipped:", 0) == 0;
    if (!known)
        return failed_and_restart("the extractor's answer was not understood");
    if (result.status == "failed:memory limit")
        result.status += " of " + std::to_string(m_sandbox.memory_bytes >> 20) + " MiB";
    // The child's text passes the same checks again: it is another process's word.
    append_capped(result, std::string_view(answer).substr(body_at, length), m_limits);
    // A failed document may have left the child's heap in any state; the next starts fresh.
    if (++m_served >= m_sandbox.documents || result.status.rfind("failed:", 0) == 0)
        stop_gracefully();
    return result;
}

ExtractedText extract_sandboxed(TextKind kind, std::string_view bytes, const ExtractLimits& limits,
                                const SandboxLimits& sandbox) {
    SandboxedExtractor extractor(limits, sandbox);
    return extractor.extract(kind, bytes);
}

ExtractedText extract_attachment_text(TextKind kind, std::string_view bytes,
                                      const std::string& charset, const ExtractLimits& limits,
                                      SandboxedExtractor& extractor) {
    if (is_document(kind))
        return extractor.extract(kind, bytes);
    return extract_text(kind, bytes, charset, limits);
}

}  // namespace imapmirror::extract
