#include "index/archive_index.hpp"

#include <unistd.h>
#include <algorithm>
#include <map>
#include <set>
#include <type_traits>
#include <variant>

#include <ctime>

#include "index/cjk_grams.hpp"
#include "index/schema_sql.hpp"
#include "index/thread_upkeep.hpp"
#include "index/threading.hpp"

namespace imapmirror::index {

using core::ErrorKind;
using core::Result;

std::string now_iso8601() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

Result<ArchiveIndex> ArchiveIndex::open(const std::string& path) {
    IMM_ASSIGN(auto db, Database::open(path));
    ArchiveIndex index(std::move(db));
    IMM_TRY(index.migrate());
    return index;
}

Result<ArchiveIndex> ArchiveIndex::open_existing(const std::string& path) {
    IMM_TRY(require_index(path));
    return open(path);
}

namespace {

// PRAGMA user_version, refused when newer than the migrations this binary has. The statement
// is finalized on return: DROP on a connection with a statement still active fails with
// "database table is locked".
Result<int64_t> schema_version(Database& db) {
    IMM_ASSIGN(auto version_stmt, db.prepare("PRAGMA user_version"));
    IMM_TRY(version_stmt.step());
    const int64_t version = version_stmt.column_int(0);
    const int64_t known = static_cast<int64_t>(std::size(kMigrations));
    if (version > known) {
        auto e = core::make_error(ErrorKind::Corrupt,
                                  "the index has schema version " + std::to_string(version) +
                                      ", newer than this imapmirror knows (" +
                                      std::to_string(known) + ")",
                                  core::Scope::Run);
        e.hint = "use a newer imapmirror for this archive";
        return e;
    }
    return version;
}

}  // namespace

Result<ArchiveIndex> ArchiveIndex::open_read_only(const std::string& path) {
    IMM_ASSIGN(auto db, Database::open_read_only(path));
    IMM_ASSIGN(int64_t version, schema_version(db));
    if (version < kOldestReadable) {
        auto e = core::make_error(ErrorKind::Usage,
                                  "the index " + path + " has schema version " +
                                      std::to_string(version) + ", too old to read as it is",
                                  core::Scope::Run);
        e.hint = "run `imapmirror export` once (without --dry-run) to upgrade it";
        return e;
    }
    return ArchiveIndex(std::move(db));
}

namespace {

// A migration whose first line is "-- run only if missing: TABLE.COLUMN" runs only where that
// column does not exist yet: SQLite has no ADD COLUMN IF NOT EXISTS. For archives that differ
// at the same version (schema/004).
Result<bool> migration_applies(Database& db, std::string_view sql) {
    constexpr std::string_view kOnlyIfMissing = "-- run only if missing: ";
    if (sql.substr(0, kOnlyIfMissing.size()) != kOnlyIfMissing)
        return true;
    std::string_view target = sql.substr(kOnlyIfMissing.size());
    target = target.substr(0, target.find('\n'));
    const size_t dot = target.find('.');
    IMM_ASSIGN(auto st, db.prepare("SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2"));
    st.bind(1, target.substr(0, dot)).bind(2, target.substr(dot + 1));
    IMM_TRY(st.step());
    return st.column_int(0) == 0;
}

}  // namespace

// user_version counts the schema/NNN_*.sql files applied, in file order; their numbers may
// leave a gap (one reserved for another change), which is no version of its own.
Result<void> ArchiveIndex::migrate() {
    IMM_ASSIGN(const int64_t version, schema_version(m_db));
    const int64_t known = static_cast<int64_t>(std::size(kMigrations));
    for (int64_t v = version; v < known; ++v) {
        IMM_ASSIGN(auto tx, Transaction::begin(m_db));
        IMM_ASSIGN(bool applies, migration_applies(m_db, kMigrations[v].second));
        if (applies)
            IMM_TRY(m_db.exec(kMigrations[v].second));
        // user_version takes no bound parameter; the value is our own integer.
        IMM_TRY(m_db.exec("PRAGMA user_version = " + std::to_string(v + 1)));
        IMM_TRY(tx.commit());
        // Into the database file now, so that the next migration reuses the log from its
        // start: else a new index's log holds every migration's pages at once (370 KB for
        // eighteen), which a nearly full disk may not have. PASSIVE: never waits on a reader.
        IMM_TRY(m_db.exec("PRAGMA wal_checkpoint(PASSIVE)"));
    }
    return {};
}

Result<void> ArchiveIndex::merge_search_index() {
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    IMM_TRY(m_db.exec("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')"));
    IMM_TRY(m_db.exec("INSERT INTO attachments_fts (attachments_fts) VALUES ('optimize')"));
    return tx.commit();
}

Result<std::vector<FolderRecord>> ArchiveIndex::folders() {
    IMM_ASSIGN(auto st,
               m_db.prepare("SELECT id, name, raw_name, path, special_use, delimiter, selectable, "
                            "uidvalidity, uidnext, highestmodseq, server_messages, deleted_at IS "
                            "NOT NULL, examine_refused FROM folders "
                            "ORDER BY raw_name"));
    std::vector<FolderRecord> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        FolderRecord f;
        f.id = st.column_int(0);
        f.name = st.column_text(1);
        f.raw_name = st.column_text(2);
        f.path = st.column_text(3);
        f.special_use = st.column_text(4);
        if (!st.column_is_null(5) && !st.column_text(5).empty())
            f.delimiter = st.column_text(5)[0];
        f.selectable = st.column_int(6) != 0;
        if (auto v = st.column_opt_int(7))
            f.uidvalidity = static_cast<uint32_t>(*v);
        if (auto v = st.column_opt_int(8))
            f.uidnext = static_cast<uint32_t>(*v);
        if (auto v = st.column_opt_int(9))
            f.highestmodseq = static_cast<uint64_t>(*v);
        if (auto v = st.column_opt_int(10))
            f.server_messages = static_cast<uint64_t>(*v);
        f.deleted = st.column_int(11) != 0;
        if (!st.column_is_null(12))
            f.examine_refused = st.column_text(12);
        out.push_back(std::move(f));
    }
    return out;
}

Result<int64_t> ArchiveIndex::upsert_folder(const FolderRecord& f) {
    IMM_ASSIGN(auto st,
               m_db.prepare(
                   "INSERT INTO folders (name, raw_name, delimiter, path, selectable, special_use) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                   "ON CONFLICT(raw_name) DO UPDATE SET name = excluded.name, delimiter = "
                   "excluded.delimiter, "
                   "selectable = excluded.selectable, special_use = excluded.special_use, "
                   "deleted_at = NULL"));
    st.bind(1, f.name).bind(2, f.raw_name);
    if (f.delimiter)
        st.bind(3, std::string_view(&*f.delimiter, 1));
    else
        st.bind_null(3);
    st.bind(4, f.path).bind(5, int64_t{f.selectable}).bind_text_or_null(6, f.special_use);
    IMM_TRY(st.run());
    IMM_ASSIGN(auto id, m_db.prepare("SELECT id FROM folders WHERE raw_name = ?1"));
    id.bind(1, f.raw_name);
    IMM_ASSIGN(bool row, id.step());
    if (!row)
        return core::make_error(ErrorKind::Corrupt, "index: folder row vanished: " + f.raw_name);
    return id.column_int(0);
}

Result<void> ArchiveIndex::set_examine_refused(int64_t folder_id,
                                               std::optional<std::string> reply) {
    IMM_ASSIGN(auto st, m_db.prepare("UPDATE folders SET examine_refused = ?2 WHERE id = ?1"));
    st.bind(1, folder_id).bind(2, reply);
    return st.run();
}

Result<void> ArchiveIndex::record_folder_sync(int64_t folder_id, const FolderRecord& s) {
    IMM_ASSIGN(
        auto st,
        m_db.prepare("UPDATE folders SET uidvalidity = ?2, uidnext = ?3, highestmodseq = ?4, "
                     "server_messages = ?5, last_synced_at = ?6 WHERE id = ?1"));
    st.bind(1, folder_id).bind(2, s.uidvalidity).bind(3, s.uidnext);
    st.bind(4, s.highestmodseq).bind(5, s.server_messages).bind(6, now_iso8601());
    return st.run();
}

Result<std::vector<uint32_t>> ArchiveIndex::live_uids(int64_t folder_id, uint32_t uidvalidity) {
    IMM_ASSIGN(
        auto st,
        m_db.prepare("SELECT uid FROM messages WHERE folder_id = ?1 AND uidvalidity = ?2 AND "
                     "deleted_at IS NULL ORDER BY uid"));
    st.bind(1, folder_id).bind(2, int64_t{uidvalidity});
    std::vector<uint32_t> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        out.push_back(static_cast<uint32_t>(st.column_int(0)));
    }
    return out;
}

Result<std::vector<StoredState>> ArchiveIndex::stored_states(int64_t folder_id,
                                                             uint32_t uidvalidity, uint32_t lo,
                                                             uint32_t hi) {
    // One row per label (or one with NULL for none), in UID then name order.
    IMM_ASSIGN(auto st,
               m_db.prepare("SELECT m.uid, m.flags, l.name FROM messages m LEFT JOIN "
                            "message_labels ml ON ml.message_id = m.id LEFT JOIN labels l ON "
                            "l.id = ml.label_id WHERE m.folder_id = ?1 AND m.uidvalidity = ?2 AND "
                            "m.uid BETWEEN ?3 AND ?4 AND m.deleted_at IS NULL ORDER BY m.uid, "
                            "l.name"));
    st.bind(1, folder_id).bind(2, int64_t{uidvalidity}).bind(3, int64_t{lo}).bind(4, int64_t{hi});
    std::vector<StoredState> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        const auto uid = static_cast<uint32_t>(st.column_int(0));
        if (out.empty() || out.back().uid != uid)
            out.push_back(StoredState{uid, st.column_text(1), {}});
        if (!st.column_is_null(2))
            out.back().labels.push_back(st.column_text(2));
    }
    return out;
}

Result<uint64_t> ArchiveIndex::update_flags(
    int64_t folder_id, uint32_t uidvalidity,
    const std::vector<std::pair<uint32_t, std::string>>& flags) {
    if (flags.empty())
        return uint64_t{0};
    IMM_ASSIGN(
        auto st,
        m_db.prepare("UPDATE messages SET flags = ?4 WHERE folder_id = ?1 AND uidvalidity = ?2 AND "
                     "uid = ?3 AND flags != ?4"));
    uint64_t changed = 0;
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    for (const auto& [uid, f] : flags) {
        st.bind(1, folder_id).bind(2, int64_t{uidvalidity}).bind(3, int64_t{uid}).bind(4, f);
        IMM_TRY(st.run());
        changed += static_cast<uint64_t>(m_db.changes());
    }
    IMM_TRY(tx.commit());
    return changed;
}

namespace {

// Replaces message `row`'s labels with `labels` (schema 007); true when they changed.
Result<bool> store_labels(Database& db, int64_t row, std::vector<std::string> labels) {
    std::sort(labels.begin(), labels.end());
    labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
    IMM_ASSIGN(auto current, db.prepare("SELECT l.name FROM message_labels ml JOIN labels l ON "
                                        "l.id = ml.label_id WHERE ml.message_id = ?1 ORDER BY "
                                        "l.name"));
    current.bind(1, row);
    std::vector<std::string> stored;
    for (;;) {
        IMM_ASSIGN(bool more, current.step());
        if (!more)
            break;
        stored.push_back(current.column_text(0));
    }
    // ORDER BY uses SQLite's BINARY collation: bytes, as std::sort on std::string.
    if (stored == labels)
        return false;
    IMM_ASSIGN(auto clear, db.prepare("DELETE FROM message_labels WHERE message_id = ?1"));
    clear.bind(1, row);
    IMM_TRY(clear.run());
    IMM_ASSIGN(auto add_label, db.prepare("INSERT OR IGNORE INTO labels (name) VALUES (?1)"));
    IMM_ASSIGN(auto link, db.prepare("INSERT INTO message_labels (message_id, label_id) SELECT "
                                     "?1, id FROM labels WHERE name = ?2"));
    for (const auto& name : labels) {
        add_label.bind(1, name);
        IMM_TRY(add_label.run());
        link.bind(1, row).bind(2, name);
        IMM_TRY(link.run());
    }
    return true;
}

}  // namespace

Result<uint64_t> ArchiveIndex::update_labels(
    int64_t folder_id, uint32_t uidvalidity,
    const std::vector<std::pair<uint32_t, std::vector<std::string>>>& labels) {
    if (labels.empty())
        return uint64_t{0};
    IMM_ASSIGN(auto find, m_db.prepare("SELECT id FROM messages WHERE folder_id = ?1 AND "
                                       "uidvalidity = ?2 AND uid = ?3"));
    uint64_t changed = 0;
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    for (const auto& [uid, names] : labels) {
        find.bind(1, folder_id).bind(2, int64_t{uidvalidity}).bind(3, int64_t{uid});
        IMM_ASSIGN(bool found, find.step());
        const int64_t row = found ? find.column_int(0) : 0;
        find.reset();
        if (!found)
            continue;
        IMM_ASSIGN(bool differs, store_labels(m_db, row, names));
        changed += differs ? 1 : 0;
    }
    IMM_TRY(tx.commit());
    return changed;
}

Result<std::vector<LabelLink>> ArchiveIndex::label_links() {
    IMM_ASSIGN(auto st,
               m_db.prepare("SELECT path, message_id, copied FROM label_links ORDER BY path"));
    std::vector<LabelLink> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        out.push_back(LabelLink{st.column_text(0), st.column_int(1), st.column_int(2) != 0});
    }
    return out;
}

Result<void> ArchiveIndex::add_label_link(const LabelLink& link) {
    IMM_ASSIGN(auto st, m_db.prepare("INSERT OR REPLACE INTO label_links (path, message_id, "
                                     "copied) VALUES (?1, ?2, ?3)"));
    st.bind(1, link.path).bind(2, link.message_id).bind(3, int64_t{link.copied ? 1 : 0});
    return st.run();
}

Result<void> ArchiveIndex::remove_label_link(const std::string& path) {
    IMM_ASSIGN(auto st, m_db.prepare("DELETE FROM label_links WHERE path = ?1"));
    st.bind(1, path);
    return st.run();
}

Result<void> ArchiveIndex::mark_expunged(int64_t folder_id, uint32_t uidvalidity,
                                         const std::vector<uint32_t>& uids) {
    if (uids.empty())
        return {};
    IMM_ASSIGN(auto st,
               m_db.prepare(
                   "UPDATE messages SET deleted_at = ?4 WHERE folder_id = ?1 AND uidvalidity = ?2 "
                   "AND uid = ?3 AND deleted_at IS NULL"));
    const std::string now = now_iso8601();
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    for (uint32_t uid : uids) {
        st.bind(1, folder_id).bind(2, int64_t{uidvalidity}).bind(3, int64_t{uid}).bind(4, now);
        IMM_TRY(st.run());
    }
    return tx.commit();
}

Result<void> ArchiveIndex::mark_rows_expunged(const std::vector<int64_t>& ids) {
    if (ids.empty())
        return {};
    IMM_ASSIGN(
        auto st,
        m_db.prepare("UPDATE messages SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL"));
    const std::string now = now_iso8601();
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    for (int64_t id : ids) {
        st.bind(1, id).bind(2, now);
        IMM_TRY(st.run());
    }
    return tx.commit();
}

Result<void> ArchiveIndex::mark_folder_deleted(int64_t folder_id) {
    const std::string now = now_iso8601();
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    IMM_ASSIGN(
        auto f,
        m_db.prepare("UPDATE folders SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL"));
    f.bind(1, folder_id).bind(2, now);
    IMM_TRY(f.run());
    IMM_ASSIGN(
        auto m,
        m_db.prepare(
            "UPDATE messages SET deleted_at = ?2 WHERE folder_id = ?1 AND deleted_at IS NULL"));
    m.bind(1, folder_id).bind(2, now);
    IMM_TRY(m.run());
    return tx.commit();
}

Result<std::vector<EpochCandidate>> ArchiveIndex::other_epoch_messages(int64_t folder_id,
                                                                       uint32_t uidvalidity) {
    IMM_ASSIGN(
        auto st,
        m_db.prepare(
            "SELECT id, size, COALESCE(header_sha256, '') FROM messages WHERE folder_id = ?1 "
            "AND uidvalidity != ?2 AND deleted_at IS NULL ORDER BY id"));
    st.bind(1, folder_id).bind(2, int64_t{uidvalidity});
    std::vector<EpochCandidate> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        out.push_back(EpochCandidate{st.column_int(0), static_cast<uint64_t>(st.column_int(1)),
                                     st.column_text(2)});
    }
    return out;
}

Result<void> ArchiveIndex::remap(uint32_t uidvalidity,
                                 const std::vector<std::pair<int64_t, uint32_t>>& rows) {
    if (rows.empty())
        return {};
    IMM_ASSIGN(auto st,
               m_db.prepare("UPDATE messages SET uidvalidity = ?2, uid = ?3 WHERE id = ?1"));
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    for (const auto& [id, uid] : rows) {
        st.bind(1, id).bind(2, int64_t{uidvalidity}).bind(3, int64_t{uid});
        IMM_TRY(st.run());
    }
    return tx.commit();
}

Result<std::vector<ArchivedFile>> ArchiveIndex::archived_files() {
    // A label link holds its message's bytes (schema 007).
    IMM_ASSIGN(auto st,
               m_db.prepare("SELECT path, sha256, size, 0 FROM messages UNION ALL "
                            "SELECT msg_path, msg_sha256, msg_size, 0 FROM messages "
                            "WHERE msg_path IS NOT NULL UNION ALL "
                            "SELECT path, sha256, size, 1 FROM attachments WHERE storage != 'none' "
                            "UNION ALL "
                            "SELECT l.path, m.sha256, m.size, 0 FROM label_links l "
                            "JOIN messages m ON m.id = l.message_id"));
    std::vector<ArchivedFile> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        out.push_back(ArchivedFile{st.column_text(0), st.column_text(1),
                                   static_cast<uint64_t>(st.column_int(2)), st.column_int(3) != 0});
    }
    return out;
}

Result<void> ArchiveIndex::set_attachment_storage(const std::vector<AttachmentRecord>& rows) {
    IMM_ASSIGN(auto st, m_db.prepare("UPDATE attachments SET storage = ?2 WHERE path = ?1"));
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    for (const auto& a : rows) {
        st.bind(1, a.path).bind(2, a.storage);
        IMM_TRY(st.run());
    }
    return tx.commit();
}

Result<std::vector<ArchiveIndex::Unextracted>> ArchiveIndex::messages_with_unextracted_attachments(
    int64_t after_id, size_t limit) {
    IMM_ASSIGN(auto st, m_db.prepare("SELECT id, path FROM messages WHERE id > ?1 AND id IN "
                                     "(SELECT message_id FROM attachments WHERE storage = "
                                     "'none') ORDER BY id LIMIT ?2"));
    st.bind(1, after_id).bind(2, static_cast<int64_t>(limit));
    std::vector<Unextracted> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        out.push_back(Unextracted{st.column_int(0), st.column_text(1)});
    }
    return out;
}

Result<uint64_t> ArchiveIndex::message_count(int64_t folder_id) {
    IMM_ASSIGN(
        auto st,
        m_db.prepare("SELECT COUNT(*) FROM messages WHERE folder_id = ?1 AND deleted_at IS NULL"));
    st.bind(1, folder_id);
    IMM_TRY(st.step());
    return static_cast<uint64_t>(st.column_int(0));
}

Result<uint32_t> ArchiveIndex::max_uid(int64_t folder_id, uint32_t uidvalidity) {
    IMM_ASSIGN(auto st, m_db.prepare("SELECT COALESCE(MAX(uid), 0) FROM messages WHERE folder_id = "
                                     "?1 AND uidvalidity = ?2"));
    st.bind(1, folder_id).bind(2, int64_t{uidvalidity});
    IMM_TRY(st.step());
    return static_cast<uint32_t>(st.column_int(0));
}

namespace {

// The INSERT for a MessageRecord, from the column lists: kMessageColumns, then the header
// columns, then archived_at, bound in that order.
std::string insert_message_sql() {
    std::string names, values;
    int n = 0;
    auto add = [&](const char* column) {
        const std::string separator = n == 0 ? "" : ", ";
        ++n;
        names += separator + column;
        values += separator + "?" + std::to_string(n);
    };
    for (const auto& c : kMessageColumns)
        add(c.name);
    for (const auto& f : core::kHeaderFields)
        add(f.column);
    add("archived_at");
    return "INSERT INTO messages (" + names + ") VALUES (" + values +
           ") ON CONFLICT(folder_id, uidvalidity, uid) DO NOTHING";
}

void bind_column(Statement& st, int i, const MessageColumn& column, const MessageRecord& m) {
    std::visit(
        [&](auto member) {
            const auto& value = m.*member;
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, std::string>) {
                if (column.empty == EmptyText::Null)
                    st.bind_text_or_null(i, value);
                else
                    st.bind(i, value);
            } else if constexpr (std::is_integral_v<T>) {
                st.bind(i, static_cast<int64_t>(value));
            } else {
                st.bind(i, value);  // an optional
            }
        },
        column.member);
}

}  // namespace

Result<void> ArchiveIndex::insert_messages(const std::vector<MessageRecord>& batch) {
    if (batch.empty())
        return {};
    if (!m_insert_message) {
        IMM_ASSIGN(auto st, m_db.prepare(insert_message_sql()));
        m_insert_message = std::move(st);
        IMM_ASSIGN(
            auto at,
            m_db.prepare("INSERT INTO attachments (message_id, part, filename, content_type, size, "
                         "path, sha256, storage) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
        m_insert_attachment = std::move(at);
        IMM_TRY(prepare_body_statements());
    }
    auto& st = *m_insert_message;
    auto& at = *m_insert_attachment;
    const std::string now = now_iso8601();
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    for (const auto& m : batch) {
        int i = 0;
        for (const auto& c : kMessageColumns)
            bind_column(st, ++i, c, m);
        for (const auto& f : core::kHeaderFields)
            st.bind_text_or_null(++i, m.headers.*f.member);
        st.bind(++i, now);
        IMM_TRY(st.run());
        if (m_db.changes() == 0)
            continue;  // already archived
        int64_t row = m_db.last_insert_id();
        if (m.gm_labels) {
            IMM_TRY(store_labels(m_db, row, *m.gm_labels));
        }
        for (const auto& a : m.attachments) {
            at.bind(1, row)
                .bind(2, a.part)
                .bind_text_or_null(3, a.filename)
                .bind(4, a.content_type);
            at.bind(5, static_cast<int64_t>(a.size))
                .bind(6, a.path)
                .bind(7, a.sha256)
                .bind(8, a.storage);
            IMM_TRY(at.run());
        }
        if (m.body)
            IMM_TRY(insert_body(row, *m.body));
        // After the attachments: the entry reads their names through message_search.
        m_insert_fts->bind(1, row);
        IMM_TRY(m_insert_fts->run());
        IMM_TRY(index_cjk(row));
    }
    return tx.commit();
}

namespace {

// The columns of messages_fts and of the view it reads (schema 014), in their order.
constexpr std::string_view kFtsColumns =
    "subject, from_addr, to_addrs, cc_addrs, body, attachment_names, attachment_text";
constexpr int kFtsColumnCount = 7;

std::string fts_insert_sql() {
    return "INSERT INTO messages_fts (rowid, " + std::string(kFtsColumns) + ") SELECT id, " +
           std::string(kFtsColumns) + " FROM message_search WHERE id = ?1";
}

// External content: an entry is removed with the values it was made from.
std::string fts_remove_sql() {
    return "INSERT INTO messages_fts (messages_fts, rowid, " + std::string(kFtsColumns) +
           ") SELECT 'delete', id, " + std::string(kFtsColumns) +
           " FROM message_search WHERE id = ?1";
}

}  // namespace

Result<void> ArchiveIndex::prepare_body_statements() {
    if (m_insert_body)
        return {};
    IMM_ASSIGN(auto body, m_db.prepare("INSERT OR IGNORE INTO bodies (message_id, origin, text, "
                                       "truncated) VALUES (?1, ?2, ?3, ?4)"));
    IMM_ASSIGN(auto fts, m_db.prepare(fts_insert_sql()));
    IMM_ASSIGN(auto read, m_db.prepare("SELECT " + std::string(kFtsColumns) +
                                       " FROM message_search WHERE id = ?1"));
    IMM_ASSIGN(auto remove_cjk, m_db.prepare("DELETE FROM messages_cjk WHERE rowid = ?1"));
    IMM_ASSIGN(auto add_cjk,
               m_db.prepare("INSERT INTO messages_cjk (rowid, grams) VALUES (?1, ?2)"));
    m_insert_body = std::move(body);
    m_insert_fts = std::move(fts);
    m_read_search_row = std::move(read);
    m_delete_cjk = std::move(remove_cjk);
    m_insert_cjk = std::move(add_cjk);
    return {};
}

Result<void> ArchiveIndex::index_cjk(int64_t message) {
    m_read_search_row->bind(1, message);
    std::string grams;
    IMM_ASSIGN(bool row, m_read_search_row->step());
    if (row) {
        for (int i = 0; i < kFtsColumnCount; ++i) {
            const std::string column = cjk_bigrams(m_read_search_row->column_text(i));
            if (!column.empty())
                grams += (grams.empty() ? "" : " ") + column;
        }
    }
    m_read_search_row->reset();
    m_delete_cjk->bind(1, message);
    IMM_TRY(m_delete_cjk->run());
    if (grams.empty())
        return {};
    m_insert_cjk->bind(1, message).bind(2, grams);
    return m_insert_cjk->run();
}

Result<void> ArchiveIndex::insert_body(int64_t message, const BodyRecord& body) {
    m_insert_body->bind(1, message).bind(2, body.origin).bind(3, body.text);
    m_insert_body->bind(4, int64_t{body.truncated ? 1 : 0});
    return m_insert_body->run();
}

Result<std::vector<ArchiveIndex::Unread>> ArchiveIndex::messages_without_body(int64_t after_id,
                                                                              size_t limit) {
    IMM_ASSIGN(auto st, m_db.prepare("SELECT m.id, m.path FROM messages m WHERE m.id > ?1 AND "
                                     "NOT EXISTS (SELECT 1 FROM bodies b WHERE b.message_id = "
                                     "m.id) ORDER BY m.id LIMIT ?2"));
    st.bind(1, after_id).bind(2, static_cast<int64_t>(limit));
    std::vector<Unread> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        out.push_back(Unread{st.column_int(0), st.column_text(1)});
    }
    return out;
}

Result<uint64_t> ArchiveIndex::count_without_body() {
    IMM_ASSIGN(auto st, m_db.prepare("SELECT COUNT(*) FROM messages m WHERE NOT EXISTS (SELECT 1 "
                                     "FROM bodies b WHERE b.message_id = m.id)"));
    IMM_TRY(st.step());
    return static_cast<uint64_t>(st.column_int(0));
}

Result<void> ArchiveIndex::store_bodies(const std::vector<std::pair<int64_t, BodyRecord>>& bodies) {
    IMM_TRY(prepare_body_statements());
    // External content: the old entry is removed with the values it was made from (no body).
    IMM_ASSIGN(auto remove, m_db.prepare(fts_remove_sql()));
    IMM_ASSIGN(auto has_body, m_db.prepare("SELECT 1 FROM bodies WHERE message_id = ?1"));
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    for (const auto& [id, body] : bodies) {
        has_body.bind(1, id);
        IMM_ASSIGN(bool present, has_body.step());
        has_body.reset();
        if (present)
            continue;
        remove.bind(1, id);
        IMM_TRY(remove.run());
        IMM_TRY(insert_body(id, body));
        m_insert_fts->bind(1, id);
        IMM_TRY(m_insert_fts->run());
        IMM_TRY(index_cjk(id));
    }
    return tx.commit();
}

Result<std::vector<ArchiveIndex::UnreadAttachments>> ArchiveIndex::messages_without_attachment_text(
    int64_t after_id, size_t limit) {
    IMM_ASSIGN(
        auto st,
        m_db.prepare("SELECT m.id, m.path, a.id, a.part, COALESCE(a.filename, ''), "
                     "a.content_type FROM messages m JOIN attachments a ON a.message_id = "
                     "m.id WHERE m.id IN (SELECT DISTINCT a2.message_id FROM attachments "
                     "a2 WHERE a2.message_id > ?1 AND NOT EXISTS (SELECT 1 FROM "
                     "attachment_texts t WHERE t.attachment_id = a2.id) ORDER BY "
                     "a2.message_id LIMIT ?2) AND NOT EXISTS (SELECT 1 FROM "
                     "attachment_texts t WHERE t.attachment_id = a.id) ORDER BY m.id, a.id"));
    st.bind(1, after_id).bind(2, static_cast<int64_t>(limit));
    std::vector<UnreadAttachments> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        const int64_t id = st.column_int(0);
        if (out.empty() || out.back().message_id != id)
            out.push_back(UnreadAttachments{id, st.column_text(1), {}});
        out.back().attachments.push_back(AttachmentTextKey{st.column_int(2), st.column_text(3),
                                                           st.column_text(4), st.column_text(5)});
    }
    return out;
}

Result<uint64_t> ArchiveIndex::count_without_attachment_text() {
    IMM_ASSIGN(auto st, m_db.prepare("SELECT COUNT(DISTINCT a.message_id) FROM attachments a "
                                     "WHERE NOT EXISTS (SELECT 1 FROM attachment_texts t WHERE "
                                     "t.attachment_id = a.id)"));
    IMM_TRY(st.step());
    return static_cast<uint64_t>(st.column_int(0));
}

Result<void> ArchiveIndex::store_attachment_texts(
    const std::vector<std::pair<int64_t, std::vector<AttachmentTextRecord>>>& texts) {
    IMM_TRY(prepare_body_statements());
    IMM_ASSIGN(auto remove, m_db.prepare(fts_remove_sql()));
    IMM_ASSIGN(auto insert, m_db.prepare("INSERT OR IGNORE INTO attachment_texts (attachment_id, "
                                         "message_id, status, text, truncated) VALUES (?1, ?2, "
                                         "?3, ?4, ?5)"));
    IMM_ASSIGN(auto insert_fts, m_db.prepare("INSERT INTO attachments_fts (rowid, text) VALUES "
                                             "(?1, ?2)"));
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    for (const auto& [message, records] : texts) {
        remove.bind(1, message);
        IMM_TRY(remove.run());
        for (const auto& r : records) {
            insert.bind(1, r.attachment_id).bind(2, message).bind(3, r.status).bind(4, r.text);
            insert.bind(5, int64_t{r.truncated ? 1 : 0});
            IMM_TRY(insert.run());
            if (m_db.changes() == 0 || r.text.empty())
                continue;
            insert_fts.bind(1, r.attachment_id).bind(2, r.text);
            IMM_TRY(insert_fts.run());
        }
        m_insert_fts->bind(1, message);
        IMM_TRY(m_insert_fts->run());
        IMM_TRY(index_cjk(message));
    }
    return tx.commit();
}

Result<void> ArchiveIndex::forget_bodies() {
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    IMM_TRY(m_db.exec("DELETE FROM bodies"));
    IMM_TRY(m_db.exec("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')"));
    IMM_TRY(m_db.exec("DELETE FROM messages_cjk"));  // made again with each body
    return tx.commit();
}

Result<std::vector<ArchiveIndex::WithoutMsg>> ArchiveIndex::messages_without_msg(int64_t after_id,
                                                                                 int64_t up_to,
                                                                                 size_t limit) {
    IMM_ASSIGN(auto st, m_db.prepare("SELECT id, path FROM messages WHERE msg_path IS NULL AND "
                                     "msg_unconvertible IS NULL AND id > ?1 AND id <= ?2 "
                                     "ORDER BY id LIMIT ?3"));
    st.bind(1, after_id).bind(2, up_to).bind(3, static_cast<int64_t>(limit));
    std::vector<WithoutMsg> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        out.push_back(WithoutMsg{st.column_int(0), st.column_text(1)});
    }
    return out;
}

Result<void> ArchiveIndex::set_msg_files(const std::vector<MsgFile>& files) {
    IMM_ASSIGN(auto st, m_db.prepare("UPDATE messages SET msg_path = NULLIF(?2, ''), "
                                     "msg_sha256 = NULLIF(?3, ''), msg_size = CASE WHEN ?2 = '' "
                                     "THEN NULL ELSE ?4 END, msg_unconvertible = NULLIF(?5, '') "
                                     "WHERE id = ?1"));
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    for (const auto& f : files) {
        st.bind(1, f.id).bind(2, f.path).bind(3, f.sha256).bind(4, static_cast<int64_t>(f.size));
        st.bind(5, f.unconvertible);
        IMM_TRY(st.run());
    }
    return tx.commit();
}

Result<int64_t> ArchiveIndex::max_message_id() {
    IMM_ASSIGN(auto st, m_db.prepare("SELECT COALESCE(MAX(id), 0) FROM messages"));
    IMM_TRY(st.step());
    return st.column_int(0);
}

Result<bool> ArchiveIndex::needs_threading() {
    IMM_ASSIGN(auto st,
               m_db.prepare("SELECT EXISTS (SELECT 1 FROM messages WHERE thread_id IS NULL)"));
    IMM_TRY(st.step());
    return st.column_int(0) != 0;
}

Result<void> ArchiveIndex::rebuild_threads() {
    IMM_ASSIGN(auto st, m_db.prepare("SELECT id, thread_id, message_id, in_reply_to, refs, "
                                     "thread_index, subject, COALESCE(date, internal_date), "
                                     "gm_thrid FROM messages ORDER BY id"));
    std::vector<int64_t> ids, old_thread;
    std::vector<std::string> dates;
    std::vector<ThreadInput> inputs;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        ids.push_back(st.column_int(0));
        old_thread.push_back(st.column_is_null(1) ? 0 : st.column_int(1));
        inputs.push_back(ThreadInput{st.column_text(2), st.column_text(3), st.column_text(4),
                                     st.column_text(5), st.column_text(6), st.column_text(8)});
        dates.push_back(st.column_text(7));
    }
    auto groups = group_threads(inputs);

    struct ThreadRow {
        std::string root, subject, first_date, last_date;
        int64_t count = 0;
        bool operator==(const ThreadRow&) const = default;
    };
    std::map<int64_t, ThreadRow> existing;
    IMM_ASSIGN(auto old_rows, m_db.prepare("SELECT id, root_message_id, subject, message_count, "
                                           "first_date, last_date FROM threads"));
    for (;;) {
        IMM_ASSIGN(bool row, old_rows.step());
        if (!row)
            break;
        existing[old_rows.column_int(0)] =
            ThreadRow{old_rows.column_text(1), old_rows.column_text(2), old_rows.column_text(4),
                      old_rows.column_text(5), old_rows.column_int(3)};
    }
    int64_t next_id = existing.empty() ? 1 : existing.rbegin()->first + 1;

    // Only what changed is written: after new mail that is the threads it joined, not the
    // whole table. A thread keeps the id most of its messages had, so ids users saved stay.
    IMM_ASSIGN(auto tx, Transaction::begin(m_db));
    IMM_ASSIGN(auto upsert, m_db.prepare("INSERT INTO threads (id, root_message_id, subject, "
                                         "message_count, first_date, last_date) VALUES (?1, ?2, "
                                         "?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET "
                                         "root_message_id = ?2, subject = ?3, message_count = "
                                         "?4, first_date = ?5, last_date = ?6"));
    IMM_ASSIGN(auto upd, m_db.prepare("UPDATE messages SET thread_id = ?1 WHERE id = ?2"));
    std::set<int64_t> claimed;
    for (auto& group : groups) {
        // Earliest first; ties (and missing dates) by archive order.
        std::stable_sort(group.begin(), group.end(), [&](size_t a, size_t b) {
            if (dates[a].empty() != dates[b].empty())
                return !dates[a].empty();
            return dates[a] < dates[b];
        });
        std::map<int64_t, size_t> votes;
        for (size_t i : group)
            if (old_thread[i] != 0 && !claimed.count(old_thread[i]))
                ++votes[old_thread[i]];
        int64_t thread_id = 0;
        size_t best = 0;
        for (const auto& [id, n] : votes)
            if (n > best) {
                thread_id = id;
                best = n;
            }
        if (thread_id == 0)
            thread_id = next_id++;
        claimed.insert(thread_id);

        const size_t first = group.front();
        ThreadRow row{inputs[first].message_id, inputs[first].subject, dates[first], "",
                      static_cast<int64_t>(group.size())};
        for (size_t i : group)
            row.last_date = std::max(row.last_date, dates[i]);
        auto known = existing.find(thread_id);
        if (known == existing.end() || !(known->second == row)) {
            upsert.bind(1, thread_id)
                .bind_text_or_null(2, row.root)
                .bind_text_or_null(3, row.subject);
            upsert.bind(4, row.count)
                .bind_text_or_null(5, row.first_date)
                .bind_text_or_null(6, row.last_date);
            IMM_TRY(upsert.run());
        }
        for (size_t i : group) {
            if (old_thread[i] == thread_id)
                continue;
            upd.bind(1, thread_id).bind(2, ids[i]);
            IMM_TRY(upd.run());
        }
    }
    IMM_ASSIGN(auto del, m_db.prepare("DELETE FROM threads WHERE id = ?1"));
    for (const auto& [id, row] : existing) {
        if (claimed.count(id))
            continue;
        del.bind(1, id);
        IMM_TRY(del.run());
    }
    IMM_TRY(record_thread_keys(m_db));
    return tx.commit();
}

Result<void> ArchiveIndex::thread_new_messages() {
    return index::thread_new_messages(m_db);
}

Result<std::vector<ThreadView>> ArchiveIndex::threads(const std::string& folder, size_t limit) {
    IMM_ASSIGN(
        auto st,
        m_db.prepare(
            "SELECT t.id, t.subject, t.first_date, t.last_date FROM threads t WHERE ?1 = '' OR "
            "EXISTS "
            "(SELECT 1 FROM messages m JOIN folders f ON f.id = m.folder_id "
            "WHERE m.thread_id = t.id AND f.name = ?1) ORDER BY t.last_date DESC, t.id LIMIT ?2"));
    st.bind(1, folder).bind(2, static_cast<int64_t>(limit));
    std::vector<ThreadView> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        out.push_back(ThreadView{
            st.column_int(0), st.column_text(1), st.column_text(2), st.column_text(3), {}});
    }
    IMM_ASSIGN(
        auto ms,
        m_db.prepare(
            "SELECT COALESCE(m.date, m.internal_date), m.from_addr, m.subject, f.name, m.path, "
            "m.message_id FROM messages m JOIN folders f ON f.id = m.folder_id "
            "WHERE m.thread_id = ?1 ORDER BY COALESCE(m.date, m.internal_date), m.id"));
    for (auto& t : out) {
        ms.bind(1, t.id);
        for (;;) {
            IMM_ASSIGN(bool row, ms.step());
            if (!row)
                break;
            t.messages.push_back(ThreadMessage{ms.column_text(0), ms.column_text(1),
                                               ms.column_text(2), ms.column_text(3),
                                               ms.column_text(4), ms.column_text(5)});
        }
        ms.reset();
    }
    return out;
}

Result<int64_t> ArchiveIndex::begin_run(std::string_view mode) {
    IMM_ASSIGN(auto st, m_db.prepare("INSERT INTO runs (started_at, mode) VALUES (?1, ?2)"));
    st.bind(1, now_iso8601()).bind(2, mode);
    IMM_TRY(st.run());
    return m_db.last_insert_id();
}

Result<void> ArchiveIndex::finish_run(int64_t run_id, const RunCounts& c, const RunOutcome& o) {
    IMM_ASSIGN(auto st, m_db.prepare("UPDATE runs SET finished_at = ?2, folders = ?3, messages = "
                                     "?4, bytes = ?5, attachments = ?6, errors = ?7, exit_code = "
                                     "?8, error_kind = ?9, error_message = ?10, server_reply = ?11 "
                                     "WHERE id = ?1"));
    st.bind(1, run_id).bind(2, now_iso8601()).bind(3, static_cast<int64_t>(c.folders));
    st.bind(4, static_cast<int64_t>(c.messages)).bind(5, static_cast<int64_t>(c.bytes));
    st.bind(6, static_cast<int64_t>(c.attachments))
        .bind(7, static_cast<int64_t>(c.errors))
        .bind(8, int64_t{o.exit_code});
    st.bind_text_or_null(9, o.error_kind)
        .bind_text_or_null(10, o.error_message)
        .bind_text_or_null(11, o.server_reply);
    return st.run();
}

}  // namespace imapmirror::index
