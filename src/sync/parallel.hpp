#pragma once
// Runs fn(i) for every i in [0, n) on `threads` threads (the caller's one among them), each
// taking the next index as it finishes one. For the readers of archived files (reindex,
// attachment text), whose cost is parsing.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace imapmirror::sync {

// The readers' number of threads: `asked`, or when 0 one per core, at most 4.
inline size_t reading_threads(size_t asked) {
    return asked ? asked : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
}

template <class Fn>
void for_each_parallel(size_t n, size_t threads, Fn fn) {
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i = next++; i < n; i = next++)
            fn(i);
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads && t < n; ++t)
        pool.emplace_back(work);
    work();
    for (auto& t : pool)
        t.join();
}

}  // namespace imapmirror::sync
