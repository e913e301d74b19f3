#include "index/run_history.hpp"

#include "index/database.hpp"

namespace imapmirror::index {

namespace {

constexpr const char* kRunColumns =
    "SELECT id, started_at, finished_at, messages, bytes, errors, exit_code, error_kind, "
    "error_message, server_reply FROM runs ";
// The same for an index older than schema 010, which has no outcome columns.
constexpr const char* kRunColumnsBefore010 =
    "SELECT id, started_at, finished_at, messages, bytes, errors, exit_code, NULL, NULL, NULL "
    "FROM runs ";

// The first row of `sql` (a query on kRunColumns), if any.
core::Result<std::optional<RunRecord>> one_run(Database& db, const std::string& sql) {
    IMM_ASSIGN(auto st, db.prepare(sql));
    IMM_ASSIGN(bool row, st.step());
    if (!row)
        return std::optional<RunRecord>();
    RunRecord r;
    r.id = st.column_int(0);
    r.started_at = st.column_text(1);
    r.finished_at = st.column_text(2);
    r.messages = st.column_opt_int(3);
    r.bytes = st.column_opt_int(4);
    r.errors = st.column_opt_int(5);
    r.exit_code = st.column_opt_int(6);
    r.error_kind = st.column_text(7);
    r.error_message = st.column_text(8);
    r.server_reply = st.column_text(9);
    return std::optional<RunRecord>(std::move(r));
}

core::Result<int64_t> count(Database& db, const std::string& sql) {
    IMM_ASSIGN(auto st, db.prepare(sql));
    IMM_ASSIGN(bool row, st.step());
    return row ? st.column_int(0) : 0;
}

// Walks the finished runs from the newest back to the last success.
core::Result<FailureStreak> failure_streak(Database& db) {
    IMM_ASSIGN(auto st, db.prepare("SELECT started_at, exit_code FROM runs WHERE exit_code IS "
                                   "NOT NULL ORDER BY id DESC"));
    FailureStreak streak;
    std::string last_date;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row || st.column_int(1) == 0)
            break;
        std::string started = st.column_text(0);
        ++streak.runs;
        // Newest first: the same date comes in one stretch.
        if (std::string date = started.substr(0, 10); date != last_date) {
            ++streak.days;
            last_date = std::move(date);
        }
        streak.since = std::move(started);
    }
    return streak;
}

}  // namespace

core::Result<RunHistory> read_run_history(const std::string& index_path) {
    IMM_ASSIGN(auto db, Database::open_read_only(index_path));

    IMM_ASSIGN(int64_t outcome_columns,
               count(db,
                     "SELECT count(*) FROM pragma_table_info('runs') WHERE name = "
                     "'error_message'"));
    const std::string select = outcome_columns ? kRunColumns : kRunColumnsBefore010;
    RunHistory h;
    IMM_ASSIGN(h.last, one_run(db, select + "ORDER BY id DESC LIMIT 1"));
    IMM_ASSIGN(h.last_success,
               one_run(db, select + "WHERE exit_code = 0 ORDER BY id DESC LIMIT 1"));
    IMM_ASSIGN(h.last_failure,
               one_run(db, select + "WHERE exit_code != 0 ORDER BY id DESC LIMIT 1"));
    IMM_ASSIGN(h.failing, failure_streak(db));
    IMM_ASSIGN(h.runs, count(db, "SELECT count(*) FROM runs"));
    IMM_ASSIGN(h.messages, count(db, "SELECT count(*) FROM messages"));
    return h;
}

}  // namespace imapmirror::index
