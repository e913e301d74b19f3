#pragma once
// What the export's connections share: the one index (SQLite writes are serialized here, in
// transactions of whole batches, so no connection waits long), the summary and the progress.
//
// Thread safety: every member may be called from any thread; callbacks run under a lock and
// must not call back into this object.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "index/archive_index.hpp"
#include "sync/byte_budget.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::sync {

class SharedRun {
  public:
    // `summary`: the run's one summary, which the caller owns and reads once every connection
    // has finished. `max_bytes`: the byte budget (--max-bytes); none, no limit.
    SharedRun(index::ArchiveIndex& index, ExportSummary& summary,
              std::function<void(const Progress&)> on_progress,
              std::optional<uint64_t> max_bytes = std::nullopt)
        : m_index(index),
          m_summary(summary),
          m_budget(max_bytes),
          m_on_progress(std::move(on_progress)) {}

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

    // The run's download budget, one for every connection (byte_budget.hpp).
    ByteBudget& budget() { return m_budget; }

  private:
    index::ArchiveIndex& m_index;
    std::mutex m_index_mutex;
    mutable std::mutex m_stats_mutex;
    ExportSummary& m_summary;
    Progress m_progress;
    ByteBudget m_budget;
    std::function<void(const Progress&)> m_on_progress;
};

}  // namespace imapmirror::sync
