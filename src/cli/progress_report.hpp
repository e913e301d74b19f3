#pragma once
// How `backup` learns each account's progress: the `export` it runs for an account writes
// one line "imapmirror-progress: {JSON}" on stderr at most twice a second and once at its
// end, when the environment has kProgressEnv (backup sets it for its children only when it
// shows progress). The runner already reads each child's stderr line by line (bounded), so
// progress needs no channel of its own; a line with this prefix is ours, never a message of
// the server (those are warnings and errors, "imapmirror: ..."), and backup does not print it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/status_line.hpp"

#include "sync/run_types.hpp"

namespace imapmirror::cli {

inline constexpr const char* kProgressEnv = "IMAPMIRROR_PROGRESS_LINES";
inline constexpr std::string_view kProgressPrefix = "imapmirror-progress: ";

// kProgressPrefix and the progress as one JSON object (folders_done, folders_total,
// messages_done, messages_total, bytes_done, folder), without a line end.
std::string progress_line(const sync::Progress& p);

// The progress a progress_line carries; nullopt for any other line, or one that is malformed.
std::optional<sync::Progress> parse_progress_line(std::string_view line);

// "120/500 messages, 12M, 1.2M/s, ETA 0:42" after `elapsed` (no rate before a second has
// passed, no ETA before the first message or once all are done). The folder is not shown.
std::string describe_progress(const sync::Progress& p, std::chrono::duration<double> elapsed);

// export -v, one line per folder the run changed: "INBOX: 3 new messages (12K), 2 flag
// changes, 1 expunged" (only the parts that are not zero). `folder` is shown as given: the
// caller escapes it (core::log does).
std::string describe_folder_changes(const std::string& folder, const sync::FolderChanges& c);

// The child's side: progress lines on stderr, when `enabled`, at most twice a second, and the
// last progress once more at finish().
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

// `backup`'s side: each running account's last progress. On a terminal one status line with
// every running account ("work: 120/500 messages, 12.0M, 1.2M/s, ETA 0:42 | home: ..."),
// redrawn in place; elsewhere a plain line "[ACCOUNT] progress: ..." for an account's first
// progress line, then at most every `plain_interval`, and its last when it ends.
class AccountsProgress {
  public:
    AccountsProgress(bool terminal, std::chrono::seconds plain_interval)
        : m_terminal(terminal), m_plain_interval(plain_interval), m_status(terminal) {}
    void update(const std::string& account, const sync::Progress& p);
    // The account has ended: no longer shown.
    void done(const std::string& account);
    // Prints `line` (already printable) on stderr without mixing it into the status line.
    void print(const std::string& line);

  private:
    struct Running {
        std::string account;
        sync::Progress progress;
        std::chrono::steady_clock::time_point start, printed;
        uint64_t printed_messages = 0;  // in the last plain line
    };
    void redraw(bool now);
    bool m_terminal;
    std::chrono::seconds m_plain_interval;
    StatusLine m_status;
    std::vector<Running> m_running;
};

}  // namespace imapmirror::cli
