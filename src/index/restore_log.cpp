#include "index/restore_log.hpp"

#include "index/archive_index.hpp"

namespace imapmirror::index {

namespace {

std::string lower(std::string s) {
    for (char& c : s)
        c = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
    return s;
}

RestoreState state_from(const std::string& s) {
    if (s == "restored")
        return RestoreState::Restored;
    if (s == "refused")
        return RestoreState::Refused;
    return RestoreState::Appending;  // anything unknown is checked on the target, never lost
}

// Binds ?1 ?2 ?3 to the target account as `restored` and `restored_labels` key it.
void bind_target(Statement& st, const AccountIdentity& target) {
    st.bind(1, lower(target.host)).bind(2, int64_t{target.port}).bind(3, lower(target.user));
}

core::Result<bool> has_table(Database& db, std::string_view name) {
    IMM_ASSIGN(auto st, db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND "
                                   "name = ?1"));
    st.bind(1, name);
    return st.step();
}

}  // namespace

const char* to_string(RestoreState state) {
    switch (state) {
        case RestoreState::Appending:
            return "appending";
        case RestoreState::Restored:
            return "restored";
        case RestoreState::Refused:
            return "refused";
    }
    return "appending";
}

core::Result<std::vector<RestorableMessage>> restorable_messages(Database& db,
                                                                 bool include_deleted) {
    IMM_ASSIGN(auto st, db.prepare("SELECT id, folder_id, path, size, flags, internal_date, "
                                   "message_id, sha256, deleted_at IS NOT NULL FROM messages "
                                   "WHERE ?1 OR deleted_at IS NULL "
                                   "ORDER BY folder_id, uidvalidity, uid"));
    st.bind(1, int64_t{include_deleted ? 1 : 0});
    std::vector<RestorableMessage> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        RestorableMessage m;
        m.id = st.column_int(0);
        m.folder_id = st.column_int(1);
        m.path = st.column_text(2);
        m.size = static_cast<uint64_t>(st.column_int(3));
        m.flags = st.column_text(4);
        m.internal_date = st.column_text(5);
        m.message_id = st.column_text(6);
        m.sha256 = st.column_text(7);
        m.deleted = st.column_int(8) != 0;
        out.push_back(std::move(m));
    }
    return out;
}

core::Result<std::vector<RestoreRecord>> restore_records(Database& db,
                                                         const AccountIdentity& target) {
    std::vector<RestoreRecord> out;
    IMM_ASSIGN(bool table, has_table(db, "restored"));
    if (!table)
        return out;
    IMM_ASSIGN(auto st, db.prepare("SELECT target_folder, message_id, state, uidvalidity, uid, "
                                   "error FROM restored WHERE target_host = ?1 AND "
                                   "target_port = ?2 AND target_user = ?3"));
    bind_target(st, target);
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        RestoreRecord r;
        r.target_folder = st.column_text(0);
        r.message_id = st.column_int(1);
        r.state = state_from(st.column_text(2));
        if (auto v = st.column_opt_int(3))
            r.uidvalidity = static_cast<uint32_t>(*v);
        if (auto v = st.column_opt_int(4))
            r.uid = static_cast<uint32_t>(*v);
        r.error = st.column_text(5);
        out.push_back(std::move(r));
    }
    return out;
}

core::Result<std::vector<LabelRecord>> archived_labels(Database& db) {
    std::vector<LabelRecord> out;
    IMM_ASSIGN(bool table, has_table(db, "message_labels"));
    if (!table)
        return out;
    IMM_ASSIGN(auto st, db.prepare("SELECT ml.message_id, l.name FROM message_labels ml JOIN "
                                   "labels l ON l.id = ml.label_id ORDER BY 1, 2"));
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        out.push_back({"", st.column_int(0), st.column_text(1)});
    }
    return out;
}

core::Result<std::vector<LabelRecord>> restored_labels(Database& db,
                                                       const AccountIdentity& target) {
    std::vector<LabelRecord> out;
    IMM_ASSIGN(bool table, has_table(db, "restored_labels"));
    if (!table)
        return out;
    IMM_ASSIGN(auto st, db.prepare("SELECT target_folder, message_id, label FROM "
                                   "restored_labels WHERE target_host = ?1 AND "
                                   "target_port = ?2 AND target_user = ?3"));
    bind_target(st, target);
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        out.push_back({st.column_text(0), st.column_int(1), st.column_text(2)});
    }
    return out;
}

core::Result<void> write_restored_labels(Database& db, const AccountIdentity& target,
                                         const std::string& target_folder, int64_t message_id,
                                         const std::vector<std::string>& labels) {
    IMM_ASSIGN(auto tx, Transaction::begin(db));
    for (const auto& label : labels) {
        IMM_ASSIGN(auto st, db.prepare("INSERT OR IGNORE INTO restored_labels (target_host, "
                                       "target_port, target_user, target_folder, message_id, "
                                       "label) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
        bind_target(st, target);
        st.bind(4, target_folder).bind(5, message_id).bind(6, label);
        IMM_TRY(st.run());
    }
    return tx.commit();
}

core::Result<void> write_restore_record(Database& db, const AccountIdentity& target,
                                        const RestoreRecord& record) {
    IMM_ASSIGN(auto st, db.prepare("INSERT OR REPLACE INTO restored (target_host, target_port, "
                                   "target_user, target_folder, message_id, state, uidvalidity, "
                                   "uid, error, updated_at) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    bind_target(st, target);
    st.bind(4, record.target_folder).bind(5, record.message_id);
    st.bind(6, std::string_view(to_string(record.state)));
    st.bind(7, record.uidvalidity).bind(8, record.uid);
    st.bind_text_or_null(9, record.error).bind(10, now_iso8601());
    return st.run();
}

}  // namespace imapmirror::index
