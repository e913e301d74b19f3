#pragma once
// What the export's connections share: the one index (SQLite writes are serialized here, in
// transactions of whole batches, so no connection waits long), the summary and the progress.
//
// Thread safety: every member may be called from any thread; callbacks run under a lock and
// must not call back into this object.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "index/archive_index.hpp"
#include "sync/exporter.hpp"

namespace imapmirror::sync {

class SharedRun {
  public:
    SharedRun(index::ArchiveIndex& index, std::function<void(const Progress&)> on_progress)
        : m_index(index), m_on_progress(std::move(on_progress)) {}

    // Runs `f(index)` holding the index lock; returns what it returns.
    template <class F>
    auto with_index(F&& f) {
        std::lock_guard lock(m_index_mutex);
        return f(m_index);
    }

    // Changes the summary.
    template <class F>
    void count(F&& f) {
        std::lock_guard lock(m_stats_mutex);
        f(m_summary);
    }
    void add_error(core::Error e) {
        count([&](ExportSummary& s) { s.errors.push_back(std::move(e)); });
    }

    // Changes the progress, then reports it.
    template <class F>
    void progress(F&& f) {
        std::lock_guard lock(m_stats_mutex);
        f(m_progress);
        if (m_on_progress)
            m_on_progress(m_progress);
    }

    // The error that ends the run; the first one wins (the others are its consequences).
    void set_fatal(core::Error e) {
        std::lock_guard lock(m_stats_mutex);
        if (!m_summary.fatal)
            m_summary.fatal = std::move(e);
    }
    bool has_fatal() const {
        std::lock_guard lock(m_stats_mutex);
        return m_summary.fatal.has_value();
    }

    // The run's download budget (--max-bytes), one for every connection: reserves `bytes` of
    // message data to be fetched. True when they fit in what is left, and always for the run's
    // first reservation (a message larger than the whole budget must not block the account
    // forever). Once a reservation is refused the budget is spent: every later one is refused
    // too, so the run ends at one point instead of picking small messages after it.
    // Without a budget, always true.
    bool reserve_bytes(uint64_t bytes) {
        std::lock_guard lock(m_stats_mutex);
        if (!m_max_bytes)
            return true;
        if (m_budget_spent)
            return false;
        if (m_reserved > 0 && bytes > *m_max_bytes - std::min(*m_max_bytes, m_reserved)) {
            m_budget_spent = true;
            return false;
        }
        m_reserved += bytes;
        return true;
    }
    bool budget_spent() const {
        std::lock_guard lock(m_stats_mutex);
        return m_budget_spent;
    }
    void set_max_bytes(std::optional<uint64_t> max_bytes) { m_max_bytes = max_bytes; }

    // For the exporter, once every connection has finished.
    ExportSummary& summary() { return m_summary; }

  private:
    index::ArchiveIndex& m_index;
    std::mutex m_index_mutex;
    mutable std::mutex m_stats_mutex;
    ExportSummary m_summary;
    Progress m_progress;
    std::optional<uint64_t> m_max_bytes;  // set before the connections start
    uint64_t m_reserved = 0;
    bool m_budget_spent = false;
    std::function<void(const Progress&)> m_on_progress;
};

}  // namespace imapmirror::sync
