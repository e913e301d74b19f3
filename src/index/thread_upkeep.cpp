#include "index/thread_upkeep.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "index/threading.hpp"

namespace imapmirror::index {

using core::Result;

namespace {

// A row of `threads`.
struct ThreadRow {
    std::string root, subject;
    int64_t count = 0;
    std::string first_date, last_date;
};

// A message without a thread, as the grouping reads it.
struct NewMessage {
    int64_t id = 0;
    ThreadInput input;
    std::string date;  // COALESCE(date, internal_date)
};

// Whether a message dated `date` comes before a thread's root dated `first`: a dated message
// before an undated one, then the earlier date. A tie keeps the root, archived earlier.
bool before_root(const std::string& date, const std::string& first) {
    return !date.empty() && (first.empty() || date < first);
}

constexpr int64_t kBatch = 500;

class Threader {
  public:
    explicit Threader(Database& db) : m_db(db) {}

    Result<void> prepare() {
        IMM_ASSIGN(m_owner, m_db.prepare("SELECT subject FROM messages WHERE message_id = ?1 AND "
                                         "id < ?2 ORDER BY id LIMIT 1"));
        IMM_ASSIGN(m_key_thread, m_db.prepare("SELECT thread_id FROM thread_keys WHERE key = ?1"));
        IMM_ASSIGN(m_get, m_db.prepare("SELECT root_message_id, subject, message_count, "
                                       "first_date, last_date FROM threads WHERE id = ?1"));
        IMM_ASSIGN(m_put, m_db.prepare("INSERT INTO threads (id, root_message_id, subject, "
                                       "message_count, first_date, last_date) VALUES (?1, ?2, ?3, "
                                       "?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET "
                                       "root_message_id = ?2, subject = ?3, message_count = ?4, "
                                       "first_date = ?5, last_date = ?6"));
        IMM_ASSIGN(m_delete, m_db.prepare("DELETE FROM threads WHERE id = ?1"));
        IMM_ASSIGN(m_move_messages,
                   m_db.prepare("UPDATE messages SET thread_id = ?1 WHERE thread_id = ?2"));
        IMM_ASSIGN(m_move_keys,
                   m_db.prepare("UPDATE thread_keys SET thread_id = ?1 WHERE thread_id = ?2"));
        IMM_ASSIGN(m_add_key, m_db.prepare("INSERT INTO thread_keys (key, thread_id) VALUES (?1, "
                                           "?2) ON CONFLICT(key) DO NOTHING"));
        IMM_ASSIGN(m_set_thread, m_db.prepare("UPDATE messages SET thread_id = ?1 WHERE id = ?2"));
        IMM_ASSIGN(auto max_id, m_db.prepare("SELECT COALESCE(MAX(id), 0) FROM threads"));
        IMM_TRY(max_id.step());
        m_next_id = max_id.column_int(0) + 1;
        return {};
    }

    Result<void> add(const NewMessage& m) {
        IMM_ASSIGN(const bool own_id, owns_its_id(m));
        const auto keys = thread_keys(m.input, own_id);
        std::set<int64_t> found;
        for (const auto& key : keys) {
            m_key_thread.bind(1, key);
            IMM_ASSIGN(const bool row, m_key_thread.step());
            if (row)
                found.insert(m_key_thread.column_int(0));
            m_key_thread.reset();
        }
        int64_t id = 0;
        ThreadRow row;
        if (found.empty()) {
            id = m_next_id++;
        } else {
            IMM_ASSIGN(id, merge(found, row));
        }
        if (row.count == 0 || before_root(m.date, row.first_date)) {
            row.root = m.input.message_id;
            row.subject = m.input.subject;
            row.first_date = m.date;
        }
        ++row.count;
        row.last_date = std::max(row.last_date, m.date);
        IMM_TRY(put(id, row));  // first: messages.thread_id references it
        for (const auto& key : keys) {
            m_add_key.bind(1, key).bind(2, id);
            IMM_TRY(m_add_key.run());
        }
        m_set_thread.bind(1, id).bind(2, m.id);
        return m_set_thread.run();
    }

  private:
    // Whether the message's own Message-ID is a key of it: it is the first message with that
    // ID, or a copy of the first (the same normalized subject), as group_threads decides.
    Result<bool> owns_its_id(const NewMessage& m) {
        if (m.input.message_id.empty())
            return false;
        m_owner.bind(1, m.input.message_id).bind(2, m.id);
        IMM_ASSIGN(const bool row, m_owner.step());
        const bool own =
            !row || normalize_subject(m_owner.column_text(0)) == normalize_subject(m.input.subject);
        m_owner.reset();
        return own;
    }

    // The threads in `found` as one: the one with the most messages takes in the others (their
    // messages and keys), and `row` is its row after that. Returns its id.
    Result<int64_t> merge(const std::set<int64_t>& found, ThreadRow& row) {
        std::vector<std::pair<int64_t, ThreadRow>> rows;
        for (int64_t id : found) {
            IMM_ASSIGN(auto r, get(id));
            rows.emplace_back(id, std::move(r));
        }
        const auto survivor =
            std::max_element(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
                return a.second.count != b.second.count ? a.second.count < b.second.count
                                                        : a.first > b.first;
            });
        const int64_t id = survivor->first;
        row = survivor->second;
        for (const auto& [other, r] : rows) {
            if (other == id)
                continue;
            if (before_root(r.first_date, row.first_date)) {
                row.root = r.root;
                row.subject = r.subject;
                row.first_date = r.first_date;
            }
            row.count += r.count;
            row.last_date = std::max(row.last_date, r.last_date);
            m_move_messages.bind(1, id).bind(2, other);
            IMM_TRY(m_move_messages.run());
            m_move_keys.bind(1, id).bind(2, other);
            IMM_TRY(m_move_keys.run());
            m_delete.bind(1, other);
            IMM_TRY(m_delete.run());
        }
        return id;
    }

    Result<ThreadRow> get(int64_t id) {
        m_get.bind(1, id);
        IMM_ASSIGN(const bool found, m_get.step());
        ThreadRow r;
        if (found)
            r = ThreadRow{m_get.column_text(0), m_get.column_text(1), m_get.column_int(2),
                          m_get.column_text(3), m_get.column_text(4)};
        m_get.reset();
        return r;
    }

    Result<void> put(int64_t id, const ThreadRow& r) {
        m_put.bind(1, id).bind_text_or_null(2, r.root).bind_text_or_null(3, r.subject);
        m_put.bind(4, r.count).bind_text_or_null(5, r.first_date).bind_text_or_null(6, r.last_date);
        return m_put.run();
    }

    Database& m_db;
    Statement m_owner, m_key_thread, m_get, m_put, m_delete, m_move_messages, m_move_keys,
        m_add_key, m_set_thread;
    int64_t m_next_id = 1;
};

Result<bool> exists(Database& db, const char* sql) {
    IMM_ASSIGN(auto st, db.prepare(sql));
    IMM_TRY(st.step());
    return st.column_int(0) != 0;
}

}  // namespace

Result<void> record_thread_keys(Database& db) {
    IMM_TRY(db.exec("DELETE FROM thread_keys"));
    IMM_ASSIGN(auto rows, db.prepare("SELECT thread_id, message_id, in_reply_to, refs, "
                                     "thread_index, subject, gm_thrid FROM messages WHERE "
                                     "thread_id IS NOT NULL ORDER BY id"));
    IMM_ASSIGN(auto add, db.prepare("INSERT INTO thread_keys (key, thread_id) VALUES (?1, ?2) "
                                    "ON CONFLICT(key) DO NOTHING"));
    for (;;) {
        IMM_ASSIGN(const bool row, rows.step());
        if (!row)
            break;
        const ThreadInput in{rows.column_text(1), rows.column_text(2), rows.column_text(3),
                             rows.column_text(4), rows.column_text(5), rows.column_text(6)};
        // A later message reusing an ID under another subject finds the key taken by the first.
        for (const auto& key : thread_keys(in, true)) {
            add.bind(1, key).bind(2, rows.column_int(0));
            IMM_TRY(add.run());
        }
    }
    return {};
}

Result<void> thread_new_messages(Database& db) {
    IMM_ASSIGN(auto tx, Transaction::begin(db));
    IMM_ASSIGN(const bool keyed, exists(db, "SELECT EXISTS (SELECT 1 FROM thread_keys)"));
    IMM_ASSIGN(const bool threaded,
               exists(db, "SELECT EXISTS (SELECT 1 FROM messages WHERE thread_id IS NOT NULL)"));
    if (!keyed && threaded)
        IMM_TRY(record_thread_keys(db));
    Threader threader(db);
    IMM_TRY(threader.prepare());
    IMM_ASSIGN(auto batch, db.prepare("SELECT id, message_id, in_reply_to, refs, thread_index, "
                                      "subject, COALESCE(date, internal_date), gm_thrid FROM "
                                      "messages WHERE thread_id IS NULL AND id > ?1 ORDER BY id "
                                      "LIMIT ?2"));
    int64_t after = 0;
    for (;;) {
        std::vector<NewMessage> messages;
        batch.bind(1, after).bind(2, kBatch);
        for (;;) {
            IMM_ASSIGN(const bool row, batch.step());
            if (!row)
                break;
            messages.push_back(NewMessage{
                batch.column_int(0),
                ThreadInput{batch.column_text(1), batch.column_text(2), batch.column_text(3),
                            batch.column_text(4), batch.column_text(5), batch.column_text(7)},
                batch.column_text(6)});
        }
        batch.reset();
        if (messages.empty())
            break;
        for (const auto& m : messages)
            IMM_TRY(threader.add(m));
        after = messages.back().id;
    }
    return tx.commit();
}

}  // namespace imapmirror::index
