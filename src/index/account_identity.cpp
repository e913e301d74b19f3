#include "index/account_identity.hpp"

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "index/archive_index.hpp"

namespace imapmirror::index {

bool same_account(const AccountIdentity& a, const AccountIdentity& b) {
    return a.port == b.port && core::ascii_iequals(a.host, b.host) &&
           core::ascii_iequals(a.user, b.user);
}

std::string describe(const AccountIdentity& id) {
    std::string s = id.user + "@" + id.host + ":" + std::to_string(id.port);
    if (!id.account.empty())
        s += " (account " + id.account + ")";
    return core::one_line(s);
}

core::Result<std::optional<AccountIdentity>> read_account_identity(Database& db) {
    IMM_ASSIGN(auto exists, db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND "
                                       "name = 'account_identity'"));
    IMM_ASSIGN(bool has_table, exists.step());
    if (!has_table)
        return std::optional<AccountIdentity>();
    IMM_ASSIGN(auto st, db.prepare("SELECT host, port, user, account FROM account_identity"));
    IMM_ASSIGN(bool row, st.step());
    if (!row)
        return std::optional<AccountIdentity>();
    AccountIdentity id;
    id.host = st.column_text(0);
    id.port = static_cast<uint16_t>(st.column_int(1));
    id.user = st.column_text(2);
    id.account = st.column_text(3);
    return std::optional<AccountIdentity>(std::move(id));
}

core::Result<void> write_account_identity(Database& db, const AccountIdentity& id) {
    IMM_ASSIGN(auto st, db.prepare("INSERT OR REPLACE INTO account_identity "
                                   "(id, host, port, user, account, recorded_at) "
                                   "VALUES (1, ?1, ?2, ?3, ?4, ?5)"));
    st.bind(1, id.host).bind(2, int64_t{id.port}).bind(3, id.user);
    st.bind_text_or_null(4, id.account).bind(5, now_iso8601());
    return st.run();
}

core::Result<std::optional<AccountIdentity>> read_account_identity(const std::string& index_path) {
    IMM_ASSIGN(auto db, Database::open_read_only(index_path));
    return read_account_identity(db);
}

}  // namespace imapmirror::index
