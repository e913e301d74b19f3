#include "index/archived_names.hpp"

namespace imapmirror::index {

using core::Result;

namespace {

// Each row's first column, given to `add`.
template <typename Add>
Result<void> each_text(Statement& st, Add add) {
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            return {};
        add(st.column_text(0));
    }
}

}  // namespace

Result<std::vector<std::string>> message_files(ArchiveIndex& index, int64_t folder_id) {
    IMM_ASSIGN(auto st, index.db().prepare("SELECT path FROM messages WHERE folder_id = ?1 UNION "
                                           "ALL SELECT msg_path FROM messages WHERE folder_id = "
                                           "?1 AND msg_path IS NOT NULL"));
    st.bind(1, folder_id);
    std::vector<std::string> out;
    IMM_TRY(each_text(st, [&](std::string path) { out.push_back(std::move(path)); }));
    return out;
}

Result<std::set<std::string>> archived_paths_containing(ArchiveIndex& index,
                                                        const std::string& fragment) {
    IMM_ASSIGN(auto st,
               index.db().prepare(
                   "SELECT path FROM messages WHERE instr(path, ?1) UNION ALL SELECT msg_path "
                   "FROM messages WHERE instr(msg_path, ?1) UNION ALL SELECT path FROM "
                   "attachments WHERE instr(path, ?1) UNION ALL SELECT path FROM label_links "
                   "WHERE instr(path, ?1)"));
    st.bind(1, fragment);
    std::set<std::string> out;
    IMM_TRY(each_text(st, [&](std::string path) { out.insert(std::move(path)); }));
    return out;
}

}  // namespace imapmirror::index
