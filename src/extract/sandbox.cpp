#include "extract/sandbox.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "core/interrupt.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define IMM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMM_ASAN 1
#endif
#endif

namespace imapmirror::extract {

namespace {

// A descriptor closed once, on every path.
class Fd {
  public:
    explicit Fd(int fd = -1) : m_fd(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    int get() const { return m_fd; }
    void reset() {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

  private:
    int m_fd;
};

ExtractedText failed(std::string why) {
    return ExtractedText{"", "failed:" + std::move(why)};
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

size_t number(const char* s) {
    return static_cast<size_t>(std::strtoull(s, nullptr, 10));
}

}  // namespace

std::optional<int> run_child_if_asked(int argc, char** argv) {
    if (argc < 2 || argv[1] != kChildArgument)
        return std::nullopt;
    if (argc != 8)
        return 2;
    const TextKind kind = kind_from_name(argv[2]);
    ExtractLimits limits;
    limits.max_input = number(argv[3]);
    limits.max_text = number(argv[4]);
    limits.max_pages = number(argv[5]);
    limits.max_member = number(argv[6]);
    limits.max_unzipped = number(argv[7]);
    ExtractedText out;
    try {
        std::string input;
        char buf[64 * 1024];
        for (;;) {
            const ssize_t n = ::read(0, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            input.append(buf, static_cast<size_t>(n));
            if (input.size() > limits.max_input)
                break;
        }
        out = extract_text(kind, input, "", limits);
    } catch (const std::bad_alloc&) {
        out = failed("memory limit");
    } catch (const std::exception& e) {
        out = failed(std::string("extractor error: ") + e.what());
    }
    const bool ok = write_all(1, out.status + "\n") && write_all(1, out.text);
    return ok ? 0 : 1;
}

ExtractedText extract_sandboxed(TextKind kind, std::string_view bytes, const ExtractLimits& limits,
                                const SandboxLimits& sandbox) {
    if (bytes.size() > limits.max_input)
        return extract_text(kind, bytes, "", limits);  // skipped, without a process
    Fd input(::memfd_create("imapmirror-attachment", MFD_CLOEXEC));
    if (input.get() < 0 || !write_all(input.get(), bytes) || ::lseek(input.get(), 0, SEEK_SET) != 0)
        return failed(std::string("cannot start the extractor: memfd: ") + std::strerror(errno));
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return failed(std::string("cannot start the extractor: pipe: ") + std::strerror(errno));
    Fd out_read(fds[0]), out_write(fds[1]);
    Fd null_fd(::open("/dev/null", O_WRONLY | O_CLOEXEC));

    // Everything the child needs is made before fork: between fork and exec a threaded parent's
    // child may only make async-signal-safe calls.
    const std::vector<std::string> args = {"imapmirror",
                                           std::string(kChildArgument),
                                           std::string(kind_name(kind)),
                                           std::to_string(limits.max_input),
                                           std::to_string(limits.max_text),
                                           std::to_string(limits.max_pages),
                                           std::to_string(limits.max_member),
                                           std::to_string(limits.max_unzipped)};
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const rlimit cpu{sandbox.cpu_seconds, sandbox.cpu_seconds + 1};
    [[maybe_unused]] const rlimit memory{sandbox.memory_bytes, sandbox.memory_bytes};
    const rlimit zero{0, 0};
    const pid_t parent = ::getpid();

    const pid_t pid = ::fork();
    if (pid < 0)
        return failed(std::string("cannot start the extractor: fork: ") + std::strerror(errno));
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127);
        if (::dup2(input.get(), 0) < 0 || ::dup2(out_write.get(), 1) < 0 ||
            ::dup2(null_fd.get() >= 0 ? null_fd.get() : out_write.get(), 2) < 0)
            ::_exit(127);
        ::syscall(SYS_close_range, 3u, ~0u, 0u);
        ::setrlimit(RLIMIT_CPU, &cpu);
        ::setrlimit(RLIMIT_FSIZE, &zero);
        ::setrlimit(RLIMIT_CORE, &zero);
#ifndef IMM_ASAN
        ::setrlimit(RLIMIT_AS, &memory);
#endif
        ::execv("/proc/self/exe", argv.data());
        ::_exit(127);
    }
    out_write.reset();
    input.reset();

    // Read the child's answer until EOF, the deadline, too much output, or Ctrl-C.
    const auto deadline = std::chrono::steady_clock::now() + sandbox.wall;
    const size_t max_output = limits.max_text + 4096;
    std::string output;
    std::string stopped;  // why the child was killed, "" when it was not
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            stopped = "timeout after " +
                      std::to_string(
                          std::chrono::duration_cast<std::chrono::seconds>(sandbox.wall).count()) +
                      " s";
            break;
        }
        if (core::interrupted()) {
            stopped = "interrupted";
            break;
        }
        pollfd p{out_read.get(), POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
        if (ready < 0 && errno != EINTR) {
            stopped = std::string("poll: ") + std::strerror(errno);
            break;
        }
        if (ready <= 0)
            continue;
        char buf[64 * 1024];
        const ssize_t n = ::read(out_read.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;  // EOF: the child is done (or died)
        output.append(buf, static_cast<size_t>(n));
        if (output.size() > max_output) {
            stopped = "more output than the text cap";
            break;
        }
    }
    if (!stopped.empty())
        ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!stopped.empty())
        return failed(stopped);
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        if (sig == SIGXCPU || sig == SIGKILL)
            return failed("CPU limit of " + std::to_string(sandbox.cpu_seconds) + " s");
        return failed("crashed (signal " + std::to_string(sig) + ")");
    }
    const size_t nl = output.find('\n');
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || nl == std::string::npos) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            return failed("cannot start the extractor");
        return failed("the extractor ended with status " +
                      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
    }
    ExtractedText result;
    result.status = output.substr(0, std::min<size_t>(nl, 200));
    const bool known = result.status == "ok" || result.status == "truncated" ||
                       result.status.rfind("failed:", 0) == 0 ||
                       result.status.rfind("skipped:", 0) == 0;
    if (!known)
        return failed("the extractor's answer was not understood");
    if (result.status == "failed:memory limit")
        result.status += " of " + std::to_string(sandbox.memory_bytes >> 20) + " MiB";
    // The child's text passes the same checks again: it is another process's word.
    append_capped(result, std::string_view(output).substr(nl + 1), limits);
    return result;
}

ExtractedText extract_attachment_text(TextKind kind, std::string_view bytes,
                                      const std::string& charset, const ExtractLimits& limits,
                                      const SandboxLimits& sandbox) {
    if (is_document(kind))
        return extract_sandboxed(kind, bytes, limits, sandbox);
    return extract_text(kind, bytes, charset, limits);
}

}  // namespace imapmirror::extract
