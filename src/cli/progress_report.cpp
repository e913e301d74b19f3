#include "cli/progress_report.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "cli/output.hpp"
#include "core/json.hpp"
#include "core/json_reader.hpp"

namespace imapmirror::cli {

std::string progress_line(const sync::Progress& p) {
    core::JsonWriter w;
    w.begin_object()
        .key("folders_done")
        .value(static_cast<uint64_t>(p.folders_done))
        .key("folders_total")
        .value(static_cast<uint64_t>(p.folders_total))
        .key("messages_done")
        .value(p.messages_done)
        .key("messages_total")
        .value(p.messages_total)
        .key("bytes_done")
        .value(p.bytes_done)
        .key("folder")
        .value(p.folder)
        .end_object();
    return std::string(kProgressPrefix) + w.str();
}

std::optional<sync::Progress> parse_progress_line(std::string_view line) {
    if (line.substr(0, kProgressPrefix.size()) != kProgressPrefix)
        return std::nullopt;
    auto parsed = core::parse_json(line.substr(kProgressPrefix.size()));
    if (!parsed || parsed->type() != core::JsonValue::Type::Object)
        return std::nullopt;
    auto number = [&](const char* key) -> std::optional<uint64_t> {
        const core::JsonValue* v = parsed->find(key);
        return v ? v->as_uint() : std::nullopt;
    };
    auto folders_done = number("folders_done"), folders_total = number("folders_total"),
         done = number("messages_done"), total = number("messages_total"),
         bytes = number("bytes_done");
    if (!folders_done || !folders_total || !done || !total || !bytes)
        return std::nullopt;
    sync::Progress p;
    p.folders_done = static_cast<size_t>(*folders_done);
    p.folders_total = static_cast<size_t>(*folders_total);
    p.messages_done = *done;
    p.messages_total = *total;
    p.bytes_done = *bytes;
    if (const core::JsonValue* f = parsed->find("folder"); f && f->as_string())
        p.folder = *f->as_string();
    return p;
}

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

namespace {
std::mutex g_lines_mutex;
}  // namespace

void ProgressLines::update(const sync::Progress& p) {
    if (!m_enabled)
        return;
    std::lock_guard lock(g_lines_mutex);
    m_last = p;
    const auto now = std::chrono::steady_clock::now();
    if (now - m_written < std::chrono::milliseconds(500))
        return;
    m_written = now;
    write(p);
}

void ProgressLines::finish() {
    std::lock_guard lock(g_lines_mutex);
    if (m_enabled && m_last)
        write(*m_last);
}

void ProgressLines::write(const sync::Progress& p) {
    // One write(2) of less than PIPE_BUF: never interleaved with another thread's warning.
    std::string line = progress_line(p);
    if (line.size() >= 4000)
        line = progress_line([&] {
            sync::Progress shorter = p;
            shorter.folder.clear();
            return shorter;
        }());
    line += '\n';
    (void)!::write(STDERR_FILENO, line.data(), line.size());
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
