#pragma once
// Progress as a person sees it: `backup`'s line of every running account, built from the
// progress lines its `export` children write (run/progress_lines.hpp), and the words for a
// progress and for a folder's changes.

#include <chrono>
#include <string>
#include <vector>

#include "cli/status_line.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::cli {

// "120/500 messages, 12M, 1.2M/s, ETA 0:42" after `elapsed` (no rate before a second has
// passed, no ETA before the first message or once all are done). The folder is not shown.
std::string describe_progress(const sync::Progress& p, std::chrono::duration<double> elapsed);

// export -v, one line per folder the run changed: "INBOX: 3 new messages (12K), 2 flag
// changes, 1 expunged" (only the parts that are not zero). `folder` is shown as given: the
// caller escapes it (core::log does).
std::string describe_folder_changes(const std::string& folder, const sync::FolderChanges& c);

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
