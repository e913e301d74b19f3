#include "sync/backoff.hpp"

#include <algorithm>
#include <random>
#include <regex>
#include <thread>

#include "core/interrupt.hpp"

namespace imapmirror::sync {

namespace {

// "Suggested Backoff Time: 9000 milliseconds" (Microsoft 365) -> 9000 ms.
std::chrono::milliseconds suggested_backoff(const std::string& server_reply) {
    static const std::regex kHint(R"(Suggested Backoff Time: ([0-9]+))");
    std::smatch m;
    if (std::regex_search(server_reply, m, kHint))
        return std::chrono::milliseconds(std::stoll(m[1]));
    return std::chrono::milliseconds(0);
}

}  // namespace

std::chrono::milliseconds backoff(const ExportOptions& options, int attempt,
                                  const std::string& server_reply) {
    using namespace std::chrono;
    thread_local std::mt19937 rng(std::random_device{}());
    auto base = options.retry_wait * (int64_t{1} << std::min(attempt - 1, 16));
    auto jitter =
        milliseconds(std::uniform_int_distribution<int64_t>(0, options.retry_wait.count())(rng));
    auto wait =
        std::min<milliseconds>(duration_cast<milliseconds>(base) + jitter, milliseconds(60'000));
    return std::max(wait, suggested_backoff(server_reply));
}

core::Result<void> wait_or_stop(std::chrono::milliseconds wait, const std::function<bool()>& stop) {
    using namespace std::chrono;
    const auto until = steady_clock::now() + wait;
    while (steady_clock::now() < until) {
        if (core::interrupted())
            return core::interrupted_error();
        if (stop())
            return core::make_error(core::ErrorKind::Cancelled, "stopped: the run is ending",
                                    core::Scope::Run);
        std::this_thread::sleep_for(std::min<milliseconds>(
            milliseconds(100),
            duration_cast<milliseconds>(until - steady_clock::now()) + milliseconds(1)));
    }
    return {};
}

}  // namespace imapmirror::sync
