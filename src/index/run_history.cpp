#include "index/run_history.hpp"

#include "index/database.hpp"

namespace imapmirror::index {

namespace {

constexpr const char* kRunColumns =
    "SELECT id, started_at, finished_at, messages, bytes, errors, exit_code FROM runs ";

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
    return std::optional<RunRecord>(std::move(r));
}

core::Result<int64_t> count(Database& db, const std::string& sql) {
    IMM_ASSIGN(auto st, db.prepare(sql));
    IMM_ASSIGN(bool row, st.step());
    return row ? st.column_int(0) : 0;
}

}  // namespace

core::Result<RunHistory> read_run_history(const std::string& index_path) {
    IMM_ASSIGN(auto db, Database::open_read_only(index_path));

    RunHistory h;
    IMM_ASSIGN(h.last, one_run(db, std::string(kRunColumns) + "ORDER BY id DESC LIMIT 1"));
    IMM_ASSIGN(h.last_success, one_run(db, std::string(kRunColumns) +
                                               "WHERE exit_code = 0 ORDER BY id DESC LIMIT 1"));
    IMM_ASSIGN(h.runs, count(db, "SELECT count(*) FROM runs"));
    IMM_ASSIGN(h.messages, count(db, "SELECT count(*) FROM messages"));
    return h;
}

}  // namespace imapmirror::index
