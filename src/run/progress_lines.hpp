#pragma once
// How `backup` learns each account's progress: the `export` it runs for an account writes
// one line "imapmirror-progress: {JSON}" on stderr at most twice a second and once at its
// end, when the environment has kProgressEnv (backup sets it for its children only when it
// shows progress). The runner already reads each child's stderr line by line (bounded), so
// progress needs no channel of its own; a line with this prefix is ours, never a message of
// the server (those are warnings and errors, "imapmirror: ..."), and backup does not print it.
// How the progress is drawn is cli's (progress_report.hpp).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "sync/run_types.hpp"

namespace imapmirror::run {

inline constexpr const char* kProgressEnv = "IMAPMIRROR_PROGRESS_LINES";
inline constexpr std::string_view kProgressPrefix = "imapmirror-progress: ";

// kProgressPrefix and the progress as one JSON object (folders_done, folders_total,
// messages_done, messages_total, bytes_done, folder), without a line end.
std::string progress_line(const sync::Progress& p);

// The progress a progress_line carries; nullopt for any other line, or one that is malformed.
std::optional<sync::Progress> parse_progress_line(std::string_view line);

// The child's side: progress lines on stderr, when `enabled`, at most twice a second, and the
// last progress once more at finish(). Each line is one write(2) of less than PIPE_BUF (a
// folder name too long for that is left out), so it never mixes with another thread's line.
class ProgressLines {
  public:
    explicit ProgressLines(bool enabled) : m_enabled(enabled) {}
    // May be called from any thread.
    void update(const sync::Progress& p);
    void finish();

  private:
    void write(const sync::Progress& p);
    bool m_enabled;
    std::optional<sync::Progress> m_last;
    std::chrono::steady_clock::time_point m_written{};
};

}  // namespace imapmirror::run
