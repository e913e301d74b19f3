#pragma once
// The run's download budget (--max-bytes), one for every connection of the run.
//
// Thread safety: every member may be called from any thread.

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>

namespace imapmirror::sync {

class ByteBudget {
  public:
    // nullopt: no limit, every reservation fits.
    explicit ByteBudget(std::optional<uint64_t> max_bytes = std::nullopt) : m_max(max_bytes) {}

    // Reserves `bytes` of message data to be fetched. True when they fit in what is left, and
    // always for the first reservation (a message larger than the whole budget must not block
    // the account forever). Once a reservation is refused the budget is spent: every later
    // one is refused too, so the run ends at one point instead of picking small messages
    // after it.
    bool reserve(uint64_t bytes) {
        std::lock_guard lock(m_mutex);
        if (!m_max)
            return true;
        if (m_spent)
            return false;
        if (m_reserved > 0 && bytes > *m_max - std::min(*m_max, m_reserved)) {
            m_spent = true;
            return false;
        }
        m_reserved += bytes;
        return true;
    }
    // A reservation was refused: nothing more fits in this run.
    bool spent() const {
        std::lock_guard lock(m_mutex);
        return m_spent;
    }
    bool limited() const { return m_max.has_value(); }

  private:
    const std::optional<uint64_t> m_max;
    mutable std::mutex m_mutex;
    uint64_t m_reserved = 0;
    bool m_spent = false;
};

}  // namespace imapmirror::sync
