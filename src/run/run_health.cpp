#include "run/run_health.hpp"

#include <ctime>
#include <limits>

namespace imapmirror::run {

std::optional<int64_t> parse_iso8601(const std::string& iso) {
    std::tm tm{};
    const char* end = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end)
        return std::nullopt;
    return static_cast<int64_t>(timegm(&tm));
}

std::optional<int64_t> parse_duration(std::string_view text) {
    if (text.size() < 2)
        return std::nullopt;
    int64_t unit = 0;
    switch (text.back()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            return std::nullopt;
    }
    int64_t value = 0;
    for (char c : text.substr(0, text.size() - 1)) {
        if (c < '0' || c > '9')
            return std::nullopt;
        if (value > (std::numeric_limits<int64_t>::max() / unit - (c - '0')) / 10)
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value == 0)
        return std::nullopt;
    return value * unit;
}

std::string format_age(int64_t seconds) {
    if (seconds < 60)
        return std::to_string(seconds < 0 ? 0 : seconds) + " s";
    if (seconds < 3600)
        return std::to_string(seconds / 60) + " min";
    if (seconds < 2 * 86400)
        return std::to_string(seconds / 3600) + " h";
    return std::to_string(seconds / 86400) + " d";
}

std::optional<int64_t> success_age(const index::RunHistory& history, int64_t now) {
    if (!history.last_success)
        return std::nullopt;
    auto when = parse_iso8601(history.last_success->finished_at);
    if (!when)
        return std::nullopt;
    return now - *when;
}

bool too_old(const index::RunHistory* history, int64_t now, int64_t max_age) {
    if (!history)
        return true;
    auto age = success_age(*history, now);
    return !age || *age > max_age;
}

std::string failure_reason(const index::RunHistory& history) {
    const auto& streak = history.failing;
    if (streak.runs == 0)
        return "";
    std::string out = "failed ";
    if (streak.runs == streak.days)
        out += std::to_string(streak.days) + (streak.days == 1 ? " night" : " nights");
    else
        out += std::to_string(streak.runs) + " runs on " + std::to_string(streak.days) +
               (streak.days == 1 ? " night" : " nights");
    if (streak.runs > 1)
        out += " in a row";
    // The newest failure's reason: what to fix now.
    const auto& failed = history.last_failure;
    if (failed && !failed->error_message.empty())
        return out + ": " + failed->error_message;
    if (failed && failed->exit_code)
        return out + ": exit " + std::to_string(*failed->exit_code);
    return out;
}

}  // namespace imapmirror::run
