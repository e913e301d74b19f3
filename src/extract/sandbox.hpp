#pragma once
// Document extraction (PDF, OOXML, OpenDocument) in a child process: the extraction program
// (imapmirror-extract, sandbox_child.hpp; see extractor_program) run with a hidden first
// argument and an environment holding nothing but the sanitizers' settings (no password, no
// token), under RLIMIT_AS, RLIMIT_FSIZE 0, a CPU timer per document and a wall-clock
// deadline per document. Whatever a document does to poppler, libzip or libxml2 (crash,
// runaway memory, endless loop), it costs that attachment's text and nothing more: the
// result says why.
//
// The child is long-lived: starting it costs far more CPU than reading a typical document
// (about 70 ms against a few), so one child reads document after document, and is started
// again after a failure or every `SandboxLimits::documents` documents (so a document cannot
// leave a heap that the next one pays for).
//
// This side links none of the document parsers: the program that runs them is separate, so
// that imapmirror itself starts faster and holds no poppler in its address space.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "extract/attachment_text.hpp"

namespace imapmirror::extract {

struct SandboxLimits {
    uint64_t memory_bytes = 1ull << 30;      // RLIMIT_AS of the child (not under ASan)
    unsigned cpu_seconds = 10;               // CPU time per document, then the child is killed
    std::chrono::milliseconds wall{30'000};  // per document, then SIGKILL
    unsigned documents = 200;                // documents one child reads before a new one
};

// The first argument that makes this binary the extraction child.
inline constexpr std::string_view kChildArgument = "__extract-attachment-text";

// One extraction child, started on the first document and kept for the next ones. Not
// thread-safe: one per reading thread. The destructor ends the child (and waits for it).
class SandboxedExtractor {
  public:
    explicit SandboxedExtractor(ExtractLimits limits = {}, SandboxLimits sandbox = {});
    ~SandboxedExtractor();
    SandboxedExtractor(const SandboxedExtractor&) = delete;
    SandboxedExtractor& operator=(const SandboxedExtractor&) = delete;

    // `bytes` read as the document `kind` by the child. The status is extract_text's, or,
    // when the child did not answer: "failed:timeout after N s", "failed:CPU limit of N s",
    // "failed:memory limit of N MiB", "failed:crashed (signal N)", "failed:cannot start
    // the extractor: WHY", "failed:interrupted" (Ctrl-C; the caller must not record it).
    // Never throws, never stalls past `sandbox.wall`. Bytes over ExtractLimits::max_input
    // are skipped without reaching the child.
    ExtractedText extract(TextKind kind, std::string_view bytes);

    // Children started so far (for tests: a second document must not start a second child).
    uint64_t children_started() const { return m_started; }
    // The running child's process id, -1 when none runs (for tests).
    pid_t child_pid() const { return m_pid; }

  private:
    std::string start();  // "" or why not
    void stop_gracefully();
    std::string kill_and_reap();  // the reason the child ended, "" for a clean exit
    ExtractedText failed_and_restart(std::string why);

    ExtractLimits m_limits;
    SandboxLimits m_sandbox;
    pid_t m_pid = -1;
    int m_socket = -1;
    unsigned m_served = 0;
    uint64_t m_started = 0;
};

// One document in a child of its own (a SandboxedExtractor used once).
ExtractedText extract_sandboxed(TextKind kind, std::string_view bytes, const ExtractLimits& limits,
                                const SandboxLimits& sandbox = {});

// The text of one attachment: through `extractor` where is_document(kind), in process
// otherwise.
ExtractedText extract_attachment_text(TextKind kind, std::string_view bytes,
                                      const std::string& charset, const ExtractLimits& limits,
                                      SandboxedExtractor& extractor);

// The extraction program a SandboxedExtractor starts: the one use_extractor_program named,
// else imapmirror-extract beside this binary (the build tree), else in
// ../libexec/imapmirror/ from it (an installed tree: /usr/bin and /usr/libexec/imapmirror);
// "" when this binary's own path cannot be read (never a bare name, looked for in the cwd).
std::string extractor_program();
// For the test mains, whose binaries are not beside the program.
void use_extractor_program(std::string path);
// "" when extractor_program() can be run; else why not ("PATH: No such file or directory
// (reinstall imapmirror)").
std::string extractor_unavailable();

}  // namespace imapmirror::extract
