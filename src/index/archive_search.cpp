#include "index/archive_search.hpp"

#include <string_view>
#include <unordered_map>

namespace imapmirror::index {

using core::ErrorKind;
using core::Result;

namespace {

// A search runs in two steps. First the hits' ids, in order, from the constant pieces below
// (each filter's piece only when the query has that filter, so SQLite plans with the filters
// there are; values always bound by name). Then each shown hit's row and snippet, by id.
// Two steps because SQLite computes every selected column of every hit before it sorts and
// cuts to the limit: a snippet (or a body's beginning) per hit made a common word cost a
// snippet of every message. bm25() is computed only when the order needs it, for the same
// reason.
constexpr std::string_view kIdsMatched = "SELECT m.id, ";
constexpr std::string_view kRank = "bm25(messages_fts) ";
constexpr std::string_view kNoRank = "0 ";
// With words and filters in date order, the hits' number comes with the ids: SQLite reads
// every match and its row to sort them anyway, and a second statement to count them did all
// of that again (on 50,000 messages, a common word in one folder: 83 -> 69 ms a search).
// Not for words alone, whose count reads the full-text index without the rows, while the
// window makes SQLite keep every hit rather than the best ones (a common word: 68 -> 111 ms).
// Not with bm25(), which FTS5 computes only inside its own cursor, where a window's rows are
// no longer.
constexpr std::string_view kTotalOver = ", COUNT(*) OVER () ";
constexpr std::string_view kFromMatched =
    "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
    "WHERE messages_fts MATCH :match ";
constexpr std::string_view kIdsAll = "SELECT m.id, 0 FROM messages m WHERE 1 ";
constexpr std::string_view kCountMatched =
    "SELECT COUNT(*) FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
    "WHERE messages_fts MATCH :match ";
// Words alone: every full-text row is a message's, so the join adds nothing to the count.
constexpr std::string_view kCountWordsAlone =
    "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH :match";
constexpr std::string_view kCountAll = "SELECT COUNT(*) FROM messages m WHERE 1 ";

// The shown hits' rows, by id (:ids, a JSON array): with words, the snippet around them;
// filters alone, the body's beginning. The '+' keeps SQLite from handing the id list to FTS5
// as one rowid lookup per id, each of which evaluates the whole expression again (50 times a
// prefix query's cost); this way the expression is read once and only the shown rows get a
// snippet.
constexpr std::string_view kHitsMatched =
    "WITH shown AS MATERIALIZED (SELECT rowid AS id, "
    "snippet(messages_fts, -1, :open, :close, '…', 16) AS snippet FROM messages_fts "
    "WHERE messages_fts MATCH :match AND +rowid IN (SELECT value FROM json_each(:ids))) "
    "SELECT m.id, COALESCE(m.date, m.internal_date, ''), m.from_addr, f.name, m.subject, "
    "shown.snippet, m.path, m.deleted_at IS NOT NULL "
    "FROM shown JOIN messages m ON m.id = shown.id JOIN folders f ON f.id = m.folder_id";
constexpr std::string_view kHitsAll =
    "SELECT m.id, COALESCE(m.date, m.internal_date, ''), m.from_addr, f.name, m.subject, "
    "substr(COALESCE((SELECT b.text FROM bodies b WHERE b.message_id = m.id), ''), 1, 120), "
    "m.path, m.deleted_at IS NOT NULL "
    "FROM messages m JOIN folders f ON f.id = m.folder_id "
    "WHERE m.id IN (SELECT value FROM json_each(:ids))";

constexpr std::string_view kFolder =
    "AND m.folder_id IN (SELECT id FROM folders "
    "WHERE name = :folder COLLATE NOCASE OR path = :folder COLLATE NOCASE) ";
constexpr std::string_view kLabel =
    "AND EXISTS (SELECT 1 FROM message_labels ml JOIN labels l ON l.id = ml.label_id "
    "WHERE ml.message_id = m.id AND l.name = :label COLLATE NOCASE) ";
constexpr std::string_view kAfter = "AND COALESCE(m.date, m.internal_date) >= :after ";
constexpr std::string_view kBefore = "AND COALESCE(m.date, m.internal_date) < :before ";
constexpr std::string_view kCjk =
    "AND m.id IN (SELECT rowid FROM messages_cjk WHERE messages_cjk MATCH :cjk) ";
// Each of :literals (lower-case ASCII) in the subject, body or attachment text; lower() folds
// ASCII only, as the literals are.
constexpr std::string_view kLiterals =
    "AND NOT EXISTS (SELECT 1 FROM json_each(:literals) l WHERE instr(lower("
    "COALESCE(m.subject, '') || ' ' || "
    "COALESCE((SELECT b.text FROM bodies b WHERE b.message_id = m.id), '') || ' ' || "
    "COALESCE((SELECT group_concat(t.text, ' ') FROM attachment_texts t "
    "WHERE t.message_id = m.id), '')), l.value) = 0) ";
constexpr std::string_view kHasAttachment =
    "AND EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id) ";
constexpr std::string_view kUnread = "AND instr(' ' || m.flags || ' ', ' \\Seen ') = 0 ";
constexpr std::string_view kRead = "AND instr(' ' || m.flags || ' ', ' \\Seen ') > 0 ";
constexpr std::string_view kFlagged = "AND instr(' ' || m.flags || ' ', ' \\Flagged ') > 0 ";

constexpr std::string_view kByDate =
    "ORDER BY COALESCE(m.date, m.internal_date) DESC, m.id DESC LIMIT :limit";
constexpr std::string_view kByRank = "ORDER BY bm25(messages_fts), m.id DESC LIMIT :limit";

// The filter pieces of `q`, in one order for the hit list and the count.
std::string filters_sql(const SearchQuery& q) {
    std::string sql;
    for (const auto& [on, piece] :
         {std::pair{!q.cjk.empty(), kCjk}, std::pair{!q.literals.empty(), kLiterals},
          std::pair{!q.folder.empty(), kFolder}, std::pair{!q.label.empty(), kLabel},
          std::pair{!q.after.empty(), kAfter}, std::pair{!q.before.empty(), kBefore},
          std::pair{q.has_attachment, kHasAttachment}, std::pair{q.unread, kUnread},
          std::pair{q.read, kRead}, std::pair{q.flagged, kFlagged}})
        if (on)
            sql += piece;
    return sql;
}

// Binds every named parameter the statement has.
void bind_query(Statement& st, const SearchQuery& q) {
    const std::pair<const char*, std::string_view> text[] = {
        {":match", q.match},   {":cjk", q.cjk},        {":literals", q.literals},
        {":folder", q.folder}, {":label", q.label},    {":after", q.after},
        {":before", q.before}, {":open", q.mark_open}, {":close", q.mark_close}};
    for (const auto& [name, value] : text)
        if (const int i = st.parameter_index(name); i > 0)
            st.bind(i, value);
    if (const int i = st.parameter_index(":limit"); i > 0)
        st.bind(i, static_cast<int64_t>(q.limit));
}

core::Error bad_query(const SearchQuery& q, const core::Error& sqlite) {
    auto e = core::make_error(
        ErrorKind::Usage, "bad search query (as FTS5 read it: " + q.match + "): " + sqlite.message,
        core::Scope::Run);
    e.hint =
        "plain words need no quoting; FTS5 operators are upper-case AND, OR, NOT (between "
        "words), \"a phrase\", prefix*, NEAR(a b), ( ); see SEARCH QUERIES in `man imapmirror`";
    return e;
}

// The next row of a statement that reads the query's MATCH: FTS5 reads the expression when
// the statement runs, so a syntax error comes from here, as bad_query's Usage error.
Result<bool> step_query(Statement& st, const SearchQuery& q) {
    auto row = st.step();
    if (!row)
        return bad_query(q, row.error());
    return *row;
}

constexpr const char* kMessageSelect =
    "SELECT m.id, f.name, m.path, COALESCE(m.date, ''), COALESCE(m.internal_date, ''), "
    "m.from_addr, m.to_addrs, m.cc_addrs, m.subject, m.message_id, m.flags, "
    "m.deleted_at IS NOT NULL FROM messages m JOIN folders f ON f.id = m.folder_id ";

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
    IMM_ASSIGN(auto labels, db.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = "
                                       "'message_labels'"));
    IMM_TRY(labels.step());
    const bool has_labels = labels.column_int(0) != 0;
    IMM_ASSIGN(auto cjk, db.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = "
                                    "'messages_cjk'"));
    IMM_TRY(cjk.step());
    const bool has_cjk = cjk.column_int(0) != 0;
    IMM_ASSIGN(auto texts, db.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = "
                                      "'attachments_fts'"));
    IMM_TRY(texts.step());
    const bool has_texts = texts.column_int(0) != 0;
    return ArchiveSearch(std::move(db), has_labels, has_cjk, has_texts);
}

Result<SearchResult> ArchiveSearch::search(const SearchQuery& q) {
    if (!q.label.empty() && !m_has_labels)
        return core::make_error(ErrorKind::Usage,
                                "label:" + q.label + ": this archive has no Gmail labels",
                                core::Scope::Run);
    if (!q.cjk.empty() && !m_has_cjk) {
        auto e = core::make_error(ErrorKind::Usage,
                                  "this archive's index cannot search kana, kanji or hangul "
                                  "inside words yet",
                                  core::Scope::Run);
        e.hint =
            "run `imapmirror reindex --all DIR` once (it upgrades the index and reads the "
            "bodies again)";
        return e;
    }
    if (!q.literals.empty() && !m_has_attachment_text) {
        auto e = core::make_error(ErrorKind::Usage,
                                  "this archive's index cannot search words such as C++ yet",
                                  core::Scope::Run);
        e.hint = "run `imapmirror reindex DIR` once (it upgrades the index)";
        return e;
    }
    // One read transaction: the ids of the first step and the rows of the second come from
    // one snapshot of the index, whatever an export commits meanwhile.
    IMM_TRY(m_db.exec("BEGIN"));
    struct EndRead {
        Database& db;
        ~EndRead() { (void)db.exec("COMMIT"); }  // ends a read: nothing to lose if it fails
    } end_read{m_db};
    const bool matched = !q.match.empty();
    const std::string filters = filters_sql(q);
    std::string sql(matched ? kIdsMatched : kIdsAll);
    const bool total_with_ids = matched && !q.by_relevance && !filters.empty();
    if (matched) {
        sql += q.by_relevance ? kRank : kNoRank;
        if (total_with_ids)
            sql += kTotalOver;
        sql += kFromMatched;
    }
    sql += filters;
    sql += matched && q.by_relevance ? kByRank : kByDate;
    IMM_ASSIGN(auto ids, m_db.prepare(sql));
    bind_query(ids, q);
    SearchResult result;
    for (;;) {
        IMM_ASSIGN(bool row, step_query(ids, q));
        if (!row)
            break;
        SearchHit h;
        h.id = ids.column_int(0);
        h.rank = ids.column_double(1);
        if (total_with_ids)
            result.total = ids.column_int(2);
        result.hits.push_back(std::move(h));
    }
    IMM_TRY(fill_hits(q, result.hits));
    if (matched && m_has_attachment_text)
        IMM_TRY(find_matched_attachments(q, result));
    if (total_with_ids)
        return result;
    if (result.hits.size() < q.limit) {
        result.total = static_cast<int64_t>(result.hits.size());
        return result;
    }
    // Filters alone: the ids come from the date index, newest first, and stop at the limit
    // (a window would read every row). By relevance: see kTotalOver.
    const std::string count_sql = !matched          ? std::string(kCountAll) + filters
                                  : filters.empty() ? std::string(kCountWordsAlone)
                                                    : std::string(kCountMatched) + filters;
    IMM_ASSIGN(auto count, m_db.prepare(count_sql));
    bind_query(count, q);
    IMM_TRY(step_query(count, q));
    result.total = count.column_int(0);
    return result;
}

// Each hit's row and snippet, by id (the second step; see kHitsMatched).
Result<void> ArchiveSearch::fill_hits(const SearchQuery& q, std::vector<SearchHit>& hits) {
    if (hits.empty())
        return {};
    std::string ids = "[";
    std::unordered_map<int64_t, SearchHit*> by_id;
    for (auto& h : hits) {
        ids += (ids.size() > 1 ? "," : "") + std::to_string(h.id);
        by_id.emplace(h.id, &h);
    }
    ids += "]";
    IMM_ASSIGN(auto st, m_db.prepare(q.match.empty() ? kHitsAll : kHitsMatched));
    bind_query(st, q);
    st.bind(st.parameter_index(":ids"), ids);
    size_t filled = 0;
    for (;;) {
        IMM_ASSIGN(bool row, step_query(st, q));
        if (!row)
            break;
        const auto it = by_id.find(st.column_int(0));
        if (it == by_id.end())
            continue;
        SearchHit& h = *it->second;
        h.date = st.column_text(1);
        h.from_addr = st.column_text(2);
        h.folder = st.column_text(3);
        h.subject = st.column_text(4);
        h.snippet = st.column_text(5);
        h.path = st.column_text(6);
        h.expunged = st.column_int(7) != 0;
        ++filled;
    }
    if (filled != hits.size())  // the ids came from the same query in the same read
        return core::make_error(ErrorKind::Corrupt,
                                "search: " + std::to_string(hits.size() - filled) +
                                    " hit(s) matched, then were not found in the same read",
                                core::Scope::Run);
    return {};
}

std::string attachment_terms(std::string_view match) {
    std::string terms;
    for (size_t i = 0; i < match.size(); ++i) {
        if (match[i] != '"')
            continue;
        // A column filter "col:" or "{a b}:" right before the string ties it to its columns.
        size_t before = i;
        while (before > 0 && match[before - 1] == ' ')
            --before;
        bool tied = before > 0 && match[before - 1] == ':';
        if (tied) {
            size_t col_end = before - 1, col_start = col_end;
            while (col_start > 0 && match[col_start - 1] != ' ' && match[col_start - 1] != '(')
                --col_start;
            tied = match.substr(col_start, col_end - col_start) != "attachment_text";
        }
        size_t end = i + 1;
        for (; end < match.size(); ++end) {
            if (match[end] != '"')
                continue;
            if (end + 1 < match.size() && match[end + 1] == '"') {
                ++end;  // a doubled quote inside the string
                continue;
            }
            break;
        }
        if (end >= match.size())
            break;
        size_t stop = end + 1;
        if (stop < match.size() && match[stop] == '*')
            ++stop;
        if (!tied)
            terms += (terms.empty() ? "" : " OR ") + std::string(match.substr(i, stop - i));
        i = stop - 1;
    }
    return terms;
}

// For each hit, its attachments whose text holds one of the query's words (attachments_fts,
// rowid = attachments.id): a few rows per hit, at most the query's limit of hits.
Result<void> ArchiveSearch::find_matched_attachments(const SearchQuery& q, SearchResult& result) {
    const std::string terms = attachment_terms(q.match);
    if (terms.empty())
        return {};
    IMM_ASSIGN(auto st, m_db.prepare("SELECT COALESCE(NULLIF(a.filename, ''), 'part ' || a.part) "
                                     "FROM attachments_fts JOIN attachments a ON a.id = "
                                     "attachments_fts.rowid WHERE attachments_fts MATCH ?1 AND "
                                     "a.message_id = ?2 ORDER BY a.id"));
    for (auto& h : result.hits) {
        st.bind(1, terms).bind(2, h.id);
        for (;;) {
            IMM_ASSIGN(bool row, step_query(st, q));
            if (!row)
                break;
            h.matched_attachments.push_back(st.column_text(0));
        }
        st.reset();
    }
    return {};
}

Result<std::vector<MessageView>> ArchiveSearch::messages_where(const char* where,
                                                               const std::string& value) {
    IMM_ASSIGN(auto st, m_db.prepare(std::string(kMessageSelect) + where));
    st.bind(1, value);
    // An index not yet migrated to schema/015 (read-only) has every attachment as a file; one
    // before schema/014 has no attachment text.
    IMM_ASSIGN(auto has_storage, m_db.prepare("SELECT COUNT(*) FROM pragma_table_info("
                                              "'attachments') WHERE name = 'storage'"));
    IMM_TRY(has_storage.step());
    const bool storage_known = has_storage.column_int(0) != 0;
    const std::string text_columns =
        m_has_attachment_text ? "COALESCE(t.status, ''), length(CAST(t.text AS BLOB))" : "'', 0";
    const std::string text_join =
        m_has_attachment_text ? " LEFT JOIN attachment_texts t ON t.attachment_id = a.id" : "";
    IMM_ASSIGN(
        auto at,
        m_db.prepare("SELECT a.part, COALESCE(a.filename, ''), a.content_type, a.size, "
                     "a.path, a.sha256, " +
                     std::string(storage_known ? "a.storage" : "'copy'") + ", " + text_columns +
                     " FROM attachments a" + text_join + " WHERE a.message_id = ?1 ORDER BY a.id"));
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
            AttachmentView a;
            a.part = at.column_text(0);
            a.filename = at.column_text(1);
            a.content_type = at.column_text(2);
            a.size = static_cast<uint64_t>(at.column_int(3));
            a.path = at.column_text(4);
            a.sha256 = at.column_text(5);
            a.storage = at.column_text(6);
            a.text_status = at.column_text(7);
            a.text_bytes = at.column_int(8);
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

Result<std::optional<MessageView>> ArchiveSearch::by_target(const std::string& dir,
                                                            const std::string& target) {
    const bool digits =
        !target.empty() && target.find_first_not_of("0123456789") == std::string::npos;
    if (digits && target.size() < 19)
        return by_id(std::stoll(target));
    std::string path = target;
    if (path.rfind(dir + "/", 0) == 0)
        path = path.substr(dir.size() + 1);
    if (path.rfind("./", 0) == 0)
        path = path.substr(2);
    return by_path(path);
}

Result<std::vector<MessageView>> ArchiveSearch::by_message_id(const std::string& message_id) {
    return messages_where(
        "WHERE m.message_id = ?1 ORDER BY COALESCE(m.date, m.internal_date) DESC, m.id DESC",
        message_id);
}

}  // namespace imapmirror::index
