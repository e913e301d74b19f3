// The extraction child's side of sandbox.hpp: reads requests from stdin until EOF, answers
// each on stdout. Each document runs under a CPU timer of its own (ITIMER_PROF, whose
// default action ends the process), so a document that loops is killed by the kernel even
// when the parent is slow to notice.

#include <malloc.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <new>
#include <string>

#include "core/file_system.hpp"
#include "extract/document_text.hpp"
#include "extract/sandbox.hpp"
#include "extract/sandbox_child.hpp"
#include "extract/sandbox_protocol.hpp"

namespace imapmirror::extract {

namespace {

// One line without its '\n'; false at EOF, on an error or a line too long.
bool read_line(int fd, std::string& line) {
    line.clear();
    for (;;) {
        char c;
        const ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        if (c == '\n')
            return true;
        if (line.size() >= protocol::kMaxHeaderLine)
            return false;
        line.push_back(c);
    }
}

bool read_exactly(int fd, std::string& out, size_t size) {
    out.resize(size);
    size_t have = 0;
    while (have < size) {
        const ssize_t n = ::read(fd, out.data() + have, size - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        have += static_cast<size_t>(n);
    }
    return true;
}

size_t number(const char* s) {
    return static_cast<size_t>(std::strtoull(s, nullptr, 10));
}

void arm_cpu_timer(unsigned seconds) {
    itimerval t{};
    t.it_value.tv_sec = seconds;
    ::setitimer(ITIMER_PROF, &t, nullptr);
}

ExtractedText answer_to(TextKind kind, const std::string& input, const ExtractLimits& limits) {
    try {
        return document_text(kind, input, limits);
    } catch (const std::bad_alloc&) {
        return ExtractedText{"", "failed:memory limit"};
    } catch (const std::exception& e) {
        return ExtractedText{"", std::string("failed:extractor error: ") + e.what()};
    }
}

}  // namespace

int run_extraction_child(int argc, char** argv) {
    if (argc != protocol::kArguments || argv[1] != kChildArgument) {
        static constexpr char kNotByHand[] =
            "imapmirror-extract: reads attachments for imapmirror, which starts it; it is not "
            "run by hand\n";
        (void)!::write(2, kNotByHand, sizeof kNotByHand - 1);
        return 2;
    }
    ExtractLimits limits;
    limits.max_input = number(argv[2]);
    limits.max_text = number(argv[3]);
    limits.max_pages = number(argv[4]);
    limits.max_member = number(argv[5]);
    limits.max_unzipped = number(argv[6]);
    const auto cpu_seconds = static_cast<unsigned>(number(argv[7]));
    ::signal(SIGPROF, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);

    std::string header, input;
    while (read_line(0, header)) {
        const size_t space = header.find(' ');
        if (space == std::string::npos)
            return 2;
        const TextKind kind = kind_from_name(std::string_view(header).substr(0, space));
        const size_t size = number(header.c_str() + space + 1);
        if (size > limits.max_input || !read_exactly(0, input, size))
            return 2;
        arm_cpu_timer(cpu_seconds);
        ExtractedText out = answer_to(kind, input, limits);
        arm_cpu_timer(0);
        for (char& c : out.status)
            c = c == '\n' ? ' ' : c;
        input = std::string();
        ::malloc_trim(0);  // what one document took is not the next one's to start from
        auto& fs = core::posix_file_system();
        if (!core::write_all(fs, 1, out.status + "\n" + std::to_string(out.text.size()) + "\n",
                             "the answer") ||
            !core::write_all(fs, 1, out.text, "the answer"))
            return 1;
    }
    return 0;
}

}  // namespace imapmirror::extract
