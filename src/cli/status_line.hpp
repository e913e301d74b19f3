#pragma once
// One self-overwriting status line on stderr ("\r", erase to the end of the line, text), at
// most five times a second, for progress on a terminal. Shown only when constructed with
// `show` (the caller decides: a terminal, no --quiet, no --json); the destructor erases it.

#include <chrono>
#include <string>

namespace imapmirror::cli {

class StatusLine {
  public:
    explicit StatusLine(bool show) : m_show(show) {}
    ~StatusLine() { clear(); }
    StatusLine(const StatusLine&) = delete;
    StatusLine& operator=(const StatusLine&) = delete;

    // True when a line may be drawn now: shown, and 200 ms since the last one, or `last`.
    bool due(bool last = false);
    // Draws `line`, which must already be printable().
    void draw(const std::string& line);
    void clear();

  private:
    bool m_show;
    bool m_shown = false;
    std::chrono::steady_clock::time_point m_last{};
};

}  // namespace imapmirror::cli
