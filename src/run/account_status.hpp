#pragma once
// How one account stands, from its archive alone, as `accounts` shows it: the run history,
// whose archive it is, and whether its last success is too old. Reads the archive's index
// read-only (index/run_history.hpp), so it may run while that account's backup writes it.

#include <cstdint>
#include <optional>
#include <string>

#include "index/account_identity.hpp"
#include "index/run_history.hpp"

namespace imapmirror::run {

struct AccountStatus {
    std::string out;                           // the archive's directory; "" when none is set
    std::optional<index::RunHistory> history;  // empty: no archive yet, or unreadable
    std::string error;                         // why the archive could not be read
    bool never = false;                        // no archive index at `out`
    bool stale = false;                        // no successful run within stale_days
    std::optional<int64_t> success_age_days;
    std::optional<int64_t> success_age_seconds;
    std::optional<index::AccountIdentity> identity;  // the account the archive records
    bool foreign = false;  // ... which is not the configured one: its exports are refused
    std::string failure;   // run_health's failure_reason, "" when the last run succeeded
};

// The status of the archive in `out` at `now` (Unix seconds). `configured` is the account the
// settings log in to; with an empty host (a --provider preset supplies it) it is not compared.
// No `out`, no index there (`never`) or one that cannot be read (`error`) are stale; so is one
// without a successful run in the last `stale_days` days.
AccountStatus account_status(const std::string& out, const index::AccountIdentity& configured,
                             int stale_days, int64_t now);

// True when the account is too old for --max-age `max_age` seconds (run_health's too_old).
bool too_old(const AccountStatus& status, int64_t now, int64_t max_age);

}  // namespace imapmirror::run
