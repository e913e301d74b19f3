#pragma once
// Document extraction (PDF, OOXML, OpenDocument) in a child process: this binary run again
// (/proc/self/exe) with a hidden first argument, the attachment's bytes on its stdin (a
// memfd), its text on a pipe, under RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE 0 and a wall-clock
// deadline. Whatever the document does to poppler, libzip or libxml2 (crash, runaway memory,
// endless loop), it costs that attachment's text and nothing more: the result says why.
//
// Every `main` that can be the parent (src/main.cpp through cli::run_cli, the test mains)
// calls run_child_if_asked first, so the child never reaches the normal command line.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "extract/attachment_text.hpp"

namespace imapmirror::extract {

struct SandboxLimits {
    uint64_t memory_bytes = 1ull << 30;      // RLIMIT_AS of the child (not under ASan)
    unsigned cpu_seconds = 10;               // RLIMIT_CPU of the child
    std::chrono::milliseconds wall{30'000};  // then SIGKILL
};

// The first argument that makes this binary the extraction child.
inline constexpr std::string_view kChildArgument = "__extract-attachment-text";

// `bytes` read as the document `kind` in a child process. The status is extract_text's, or,
// when the child did not finish: "failed:timeout after N s", "failed:CPU limit of N s",
// "failed:memory limit of N MiB", "failed:crashed (signal N)", "failed:cannot start the
// extractor: WHY", "failed:interrupted" (Ctrl-C; the caller must not record it). Never
// throws, never stalls past `sandbox.wall`.
ExtractedText extract_sandboxed(TextKind kind, std::string_view bytes, const ExtractLimits& limits,
                                const SandboxLimits& sandbox = {});

// The text of one attachment, sandboxed where is_document(kind), in process otherwise.
ExtractedText extract_attachment_text(TextKind kind, std::string_view bytes,
                                      const std::string& charset, const ExtractLimits& limits,
                                      const SandboxLimits& sandbox = {});

// When argv[1] is kChildArgument: runs the child's side (stdin to stdout) and returns its
// exit code; otherwise nullopt.
std::optional<int> run_child_if_asked(int argc, char** argv);

}  // namespace imapmirror::extract
