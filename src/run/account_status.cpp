#include "run/account_status.hpp"

#include "run/run_health.hpp"
#include "sync/archive.hpp"

namespace imapmirror::run {

AccountStatus account_status(const std::string& out, const index::AccountIdentity& configured,
                             int stale_days, int64_t now) {
    AccountStatus s;
    s.out = out;
    if (s.out.empty()) {
        s.error = "no `out` directory in the config";
        s.stale = true;
        return s;
    }
    auto history = index::read_run_history(sync::index_path(s.out));
    if (!history) {
        if (history.error().kind == core::ErrorKind::NotFound)
            s.never = true;
        else
            s.error = history.error().describe();
        s.stale = true;
        return s;
    }
    s.history = std::move(*history);
    if (auto identity = index::read_account_identity(sync::index_path(s.out))) {
        s.identity = std::move(*identity);
        s.foreign =
            s.identity && !configured.host.empty() && !index::same_account(*s.identity, configured);
    }
    s.success_age_seconds = success_age(*s.history, now);
    if (s.success_age_seconds)
        s.success_age_days = *s.success_age_seconds / 86400;
    s.failure = failure_reason(*s.history);
    s.stale = !s.success_age_days || *s.success_age_days >= stale_days;
    return s;
}

bool too_old(const AccountStatus& status, int64_t now, int64_t max_age) {
    return run::too_old(status.history ? &*status.history : nullptr, now, max_age);
}

}  // namespace imapmirror::run
