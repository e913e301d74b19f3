#pragma once
// How healthy an account's backups are, from its archive's run history: the age of the last
// success, the failures since, and whether it is older than a --max-age. Pure: `accounts` and
// the metrics file pass the time in, the unit tests pin the rules.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "index/run_history.hpp"

namespace imapmirror::run {

// "2024-01-03T10:00:00Z" (as `runs` keeps times) -> Unix time; nullopt for anything else.
std::optional<int64_t> parse_iso8601(const std::string& iso);

// A duration as --max-age takes it: a whole number and one unit, s, m, h or d ("36h", "2d",
// "90m"); seconds, or nullopt for anything else (no unit, zero, fractions, overflow).
std::optional<int64_t> parse_duration(std::string_view text);

// An age for people, rounded down to its largest unit: "45 s", "12 min", "5 h", "3 d".
std::string format_age(int64_t seconds);

// Seconds since the last successful run at `now`, or nullopt when there was none (or its time
// is unreadable).
std::optional<int64_t> success_age(const index::RunHistory& history, int64_t now);

// True when an account is older than `max_age` seconds: no archive (`history` null), no
// successful run, or one longer ago than that. Never backed up counts as too old.
bool too_old(const index::RunHistory* history, int64_t now, int64_t max_age);

// Why the account has been failing, or "" when its last finished run succeeded:
// "failed 3 nights in a row: <the last failure's message>" ("failed 4 runs on 2 nights in a
// row" when some night ran more than once; "exit N" where the run recorded no message).
std::string failure_reason(const index::RunHistory& history);

}  // namespace imapmirror::run
