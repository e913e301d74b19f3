#include "index/run_history.hpp"

#include <unistd.h>

#include <memory>

#include "index/database.hpp"

namespace imapmirror::index {

namespace {

struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

constexpr const char* kRunColumns =
    "SELECT id, started_at, finished_at, messages, bytes, errors, exit_code FROM runs ";

core::Result<Statement> prepare(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
        return sqlite_error(db, "cannot read the runs");
    return Statement(db, stmt);
}

// The first row of `sql` (a query on kRunColumns), if any.
core::Result<std::optional<RunRecord>> one_run(sqlite3* db, const std::string& sql) {
    IMM_ASSIGN(auto st, prepare(db, sql));
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
    return std::optional<RunRecord>(std::move(r));
}

core::Result<int64_t> count(sqlite3* db, const std::string& sql) {
    IMM_ASSIGN(auto st, prepare(db, sql));
    IMM_ASSIGN(bool row, st.step());
    return row ? st.column_int(0) : 0;
}

}  // namespace

core::Result<RunHistory> read_run_history(const std::string& index_path) {
    if (::access(index_path.c_str(), F_OK) != 0)
        return core::make_error(core::ErrorKind::NotFound, "no archive index at " + index_path,
                                core::Scope::Run);
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(index_path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW,
                             nullptr);
    std::unique_ptr<sqlite3, Close> db(raw);
    if (rc != SQLITE_OK)
        return sqlite_error(db.get(), "cannot open " + index_path + " read-only");
    // An export writing at the same moment holds its lock only briefly (WAL).
    sqlite3_busy_timeout(db.get(), 5000);

    RunHistory h;
    IMM_ASSIGN(h.last, one_run(db.get(), std::string(kRunColumns) + "ORDER BY id DESC LIMIT 1"));
    IMM_ASSIGN(h.last_success,
               one_run(db.get(),
                       std::string(kRunColumns) + "WHERE exit_code = 0 ORDER BY id DESC LIMIT 1"));
    IMM_ASSIGN(h.runs, count(db.get(), "SELECT count(*) FROM runs"));
    IMM_ASSIGN(h.messages, count(db.get(), "SELECT count(*) FROM messages"));
    return h;
}

}  // namespace imapmirror::index
