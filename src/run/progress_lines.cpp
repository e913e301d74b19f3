#include "run/progress_lines.hpp"

#include <unistd.h>

#include <mutex>

#include "core/json.hpp"
#include "core/json_reader.hpp"

namespace imapmirror::run {

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

}  // namespace imapmirror::run
