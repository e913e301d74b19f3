#include "cli/progress_report.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "cli/output.hpp"

namespace imapmirror::cli {

std::string describe_progress(const sync::Progress& p, std::chrono::duration<double> elapsed) {
    const double secs = elapsed.count();
    std::string out = std::to_string(p.messages_done) + "/" + std::to_string(p.messages_total) +
                      " messages, " + human_size(p.bytes_done);
    if (secs >= 1)
        out += ", " + human_size(static_cast<uint64_t>(static_cast<double>(p.bytes_done) / secs)) +
               "/s";
    if (p.messages_done > 0 && p.messages_total > p.messages_done) {
        const auto left =
            static_cast<int64_t>(secs / static_cast<double>(p.messages_done) *
                                 static_cast<double>(p.messages_total - p.messages_done));
        out += ", ETA " + std::to_string(left / 60) + ":" + (left % 60 < 10 ? "0" : "") +
               std::to_string(left % 60);
    }
    return out;
}

std::string describe_folder_changes(const std::string& folder, const sync::FolderChanges& c) {
    std::vector<std::string> parts;
    auto plural = [](uint64_t n, const char* one, const char* many) {
        return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    if (c.messages > 0)
        parts.push_back(plural(c.messages, "new message", "new messages") + " (" +
                        human_size(c.bytes) + ")");
    if (c.flags_changed > 0)
        parts.push_back(plural(c.flags_changed, "flag change", "flag changes"));
    if (c.expunged > 0)
        parts.push_back(std::to_string(c.expunged) + " expunged");
    return folder + ": " + (parts.empty() ? std::string("no change") : join(parts, ", "));
}

void AccountsProgress::update(const std::string& account, const sync::Progress& p) {
    const auto now = std::chrono::steady_clock::now();
    auto it = std::find_if(m_running.begin(), m_running.end(),
                           [&](const Running& r) { return r.account == account; });
    if (it == m_running.end()) {
        m_running.push_back({account, p, now, {}, 0});
        it = std::prev(m_running.end());
        it->printed = now - m_plain_interval;  // the first is printed at once
    }
    it->progress = p;
    if (m_terminal) {
        // An account's last count is drawn whatever the throttle: a short run's final line
        // would otherwise come within 200 ms of its first and never be shown.
        redraw(p.messages_done >= p.messages_total);
    } else if (now - it->printed >= m_plain_interval) {
        it->printed = now;
        it->printed_messages = p.messages_done;
        std::fprintf(stderr, "[%s] progress: %s\n", printable(account).c_str(),
                     describe_progress(p, now - it->start).c_str());
    }
}

void AccountsProgress::done(const std::string& account) {
    const auto at = std::chrono::steady_clock::now();
    for (const auto& r : m_running)
        if (!m_terminal && r.account == account && r.progress.messages_done != r.printed_messages)
            std::fprintf(stderr, "[%s] progress: %s\n", printable(account).c_str(),
                         describe_progress(r.progress, at - r.start).c_str());
    m_running.erase(std::remove_if(m_running.begin(), m_running.end(),
                                   [&](const Running& r) { return r.account == account; }),
                    m_running.end());
    if (m_terminal) {
        m_status.clear();
        redraw(true);
    }
}

void AccountsProgress::print(const std::string& line) {
    m_status.clear();
    std::fprintf(stderr, "%s\n", line.c_str());
    if (m_terminal)
        redraw(true);
}

void AccountsProgress::redraw(bool now) {
    if (m_running.empty() || !m_status.due(now))
        return;
    const auto at = std::chrono::steady_clock::now();
    std::string line;
    for (const auto& r : m_running)
        line += (line.empty() ? "" : " | ") + printable(r.account) + ": " +
                describe_progress(r.progress, at - r.start);
    winsize ws{};
    const size_t columns =
        ::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col - 1 : 79;
    m_status.draw(fit(line, columns, false));
}

}  // namespace imapmirror::cli
