#include "cli/status_line.hpp"

#include <cstdio>

namespace imapmirror::cli {

bool StatusLine::due(bool last) {
    const auto now = std::chrono::steady_clock::now();
    if (!m_show || (now - m_last < std::chrono::milliseconds(200) && !last))
        return false;
    m_last = now;
    return true;
}

void StatusLine::draw(const std::string& line) {
    if (!m_show)
        return;
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    m_shown = true;
}

void StatusLine::clear() {
    if (m_shown)
        std::fprintf(stderr, "\r\033[K");
    m_shown = false;
}

}  // namespace imapmirror::cli
