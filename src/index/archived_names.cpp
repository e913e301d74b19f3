#include "index/archived_names.hpp"

namespace imapmirror::index {

using core::Result;

Result<std::vector<std::string>> message_files(ArchiveIndex& index, int64_t folder_id) {
    IMM_ASSIGN(auto st, index.db().prepare("SELECT path FROM messages WHERE folder_id = ?1 UNION "
                                           "ALL SELECT msg_path FROM messages WHERE folder_id = "
                                           "?1 AND msg_path IS NOT NULL"));
    st.bind(1, folder_id);
    std::vector<std::string> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        out.push_back(st.column_text(0));
    }
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
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            break;
        out.insert(st.column_text(0));
    }
    return out;
}

}  // namespace imapmirror::index
