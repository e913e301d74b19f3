#include "index/archive_search.hpp"

#include <string_view>

namespace imapmirror::index {

using core::ErrorKind;
using core::Result;

namespace {

// The hit list: every filter is in the SQL, switched off by binding NULL, so the statement is
// one constant string per order. ?1 match, ?2 from, ?3 to, ?4 folder, ?5 after, ?6 before,
// ?7 has attachment, ?8 unread, ?9 limit, ?10/?11 snippet marks.
constexpr std::string_view kSearchSelect =
    "SELECT m.id, COALESCE(m.date, m.internal_date, ''), m.from_addr, f.name, m.subject, "
    "snippet(messages_fts, -1, ?10, ?11, '…', 16), m.path, m.deleted_at IS NOT NULL, "
    "bm25(messages_fts) "
    "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
    "JOIN folders f ON f.id = m.folder_id "
    "WHERE messages_fts MATCH ?1 "
    "AND (?2 IS NULL OR m.from_addr LIKE '%' || ?2 || '%' ESCAPE '\\') "
    "AND (?3 IS NULL OR m.to_addrs LIKE '%' || ?3 || '%' ESCAPE '\\' "
    "     OR m.cc_addrs LIKE '%' || ?3 || '%' ESCAPE '\\') "
    "AND (?4 IS NULL OR f.name = ?4 OR f.path = ?4) "
    "AND (?5 IS NULL OR COALESCE(m.date, m.internal_date) >= ?5) "
    "AND (?6 IS NULL OR COALESCE(m.date, m.internal_date) < ?6) "
    "AND (?7 = 0 OR EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id)) "
    "AND (?8 = 0 OR instr(' ' || m.flags || ' ', ' \\Seen ') = 0) ";
constexpr std::string_view kByDate =
    "ORDER BY COALESCE(m.date, m.internal_date) DESC, m.id DESC LIMIT ?9";
constexpr std::string_view kByRank = "ORDER BY bm25(messages_fts), m.id DESC LIMIT ?9";

constexpr const char* kMessageSelect =
    "SELECT m.id, f.name, m.path, COALESCE(m.date, ''), COALESCE(m.internal_date, ''), "
    "m.from_addr, m.to_addrs, m.cc_addrs, m.subject, m.message_id, m.flags, "
    "m.deleted_at IS NOT NULL FROM messages m JOIN folders f ON f.id = m.folder_id ";

// A LIKE pattern's text taken literally.
std::string like_literal(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '%' || c == '_' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

void bind_or_null(Statement& st, int i, const std::string& v) {
    if (v.empty())
        st.bind_null(i);
    else
        st.bind(i, v);
}

}  // namespace

Result<ArchiveSearch> ArchiveSearch::open(const std::string& index_path) {
    IMM_ASSIGN(auto db, Database::open_read_only(index_path));
    IMM_ASSIGN(auto st, db.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = "
                                   "'messages_fts'"));
    IMM_TRY(st.step());
    if (st.column_int(0) == 0) {
        auto e = core::make_error(
            ErrorKind::Usage, "this archive's index predates full-text search", core::Scope::Run);
        e.hint = "run `imapmirror reindex DIR` once (it upgrades the index and reads the bodies)";
        return e;
    }
    return ArchiveSearch(std::move(db));
}

Result<std::vector<SearchHit>> ArchiveSearch::search(const SearchQuery& q) {
    std::string sql(kSearchSelect);
    sql += q.by_relevance ? kByRank : kByDate;
    IMM_ASSIGN(auto st, m_db.prepare(sql));
    st.bind(1, q.match);
    bind_or_null(st, 2, q.from.empty() ? "" : like_literal(q.from));
    bind_or_null(st, 3, q.to.empty() ? "" : like_literal(q.to));
    bind_or_null(st, 4, q.folder);
    bind_or_null(st, 5, q.after);
    bind_or_null(st, 6, q.before);
    st.bind(7, int64_t{q.has_attachment ? 1 : 0}).bind(8, int64_t{q.unread ? 1 : 0});
    st.bind(9, static_cast<int64_t>(q.limit)).bind(10, q.mark_open).bind(11, q.mark_close);
    std::vector<SearchHit> hits;
    for (;;) {
        auto row = st.step();
        if (!row) {
            // FTS5 reports a query it cannot read when the statement runs.
            auto e = core::make_error(ErrorKind::Usage,
                                      "bad search query '" + q.match + "': " + row.error().message,
                                      core::Scope::Run);
            e.hint =
                "FTS5 syntax: words, \"a phrase\", prefix*, a AND b, a OR b, a NOT b, "
                "NEAR(a b), column:word (subject, from_addr, to_addrs, cc_addrs, body, "
                "attachment_names); quote words holding punctuation";
            return e;
        }
        if (!*row)
            break;
        SearchHit h;
        h.id = st.column_int(0);
        h.date = st.column_text(1);
        h.from_addr = st.column_text(2);
        h.folder = st.column_text(3);
        h.subject = st.column_text(4);
        h.snippet = st.column_text(5);
        h.path = st.column_text(6);
        h.expunged = st.column_int(7) != 0;
        h.rank = st.column_double(8);
        hits.push_back(std::move(h));
    }
    return hits;
}

Result<std::vector<MessageView>> ArchiveSearch::messages_where(const char* where,
                                                               const std::string& value) {
    IMM_ASSIGN(auto st, m_db.prepare(std::string(kMessageSelect) + where));
    st.bind(1, value);
    IMM_ASSIGN(auto at, m_db.prepare("SELECT part, COALESCE(filename, ''), content_type, size, "
                                     "path, sha256 FROM attachments WHERE message_id = ?1 "
                                     "ORDER BY id"));
    std::vector<MessageView> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        MessageView m;
        m.id = st.column_int(0);
        m.folder = st.column_text(1);
        m.path = st.column_text(2);
        m.date = st.column_text(3);
        m.internal_date = st.column_text(4);
        m.from_addr = st.column_text(5);
        m.to_addrs = st.column_text(6);
        m.cc_addrs = st.column_text(7);
        m.subject = st.column_text(8);
        m.message_id = st.column_text(9);
        m.flags = st.column_text(10);
        m.expunged = st.column_int(11) != 0;
        at.bind(1, m.id);
        for (;;) {
            IMM_ASSIGN(bool arow, at.step());
            if (!arow)
                break;
            AttachmentRecord a;
            a.part = at.column_text(0);
            a.filename = at.column_text(1);
            a.content_type = at.column_text(2);
            a.size = static_cast<uint64_t>(at.column_int(3));
            a.path = at.column_text(4);
            a.sha256 = at.column_text(5);
            m.attachments.push_back(std::move(a));
        }
        at.reset();
        out.push_back(std::move(m));
    }
    return out;
}

Result<std::optional<MessageView>> ArchiveSearch::by_id(int64_t id) {
    IMM_ASSIGN(auto found, messages_where("WHERE m.id = CAST(?1 AS INTEGER)", std::to_string(id)));
    if (found.empty())
        return std::optional<MessageView>{};
    return std::optional<MessageView>{std::move(found.front())};
}

Result<std::optional<MessageView>> ArchiveSearch::by_path(const std::string& relative_path) {
    IMM_ASSIGN(auto found, messages_where("WHERE m.path = ?1", relative_path));
    if (found.empty())
        return std::optional<MessageView>{};
    return std::optional<MessageView>{std::move(found.front())};
}

Result<std::vector<MessageView>> ArchiveSearch::by_message_id(const std::string& message_id) {
    return messages_where(
        "WHERE m.message_id = ?1 ORDER BY COALESCE(m.date, m.internal_date) DESC, m.id DESC",
        message_id);
}

}  // namespace imapmirror::index
