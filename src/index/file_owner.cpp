#include "index/file_owner.hpp"

namespace imapmirror::index {

core::Result<std::optional<FileOwner>> file_owner(ArchiveIndex& index, const std::string& path) {
    IMM_ASSIGN(auto st,
               index.db().prepare(
                   "SELECT m.folder_id, m.uidvalidity, m.uid, m.path, m.sha256, m.deleted_at IS "
                   "NOT NULL, 0, m.sha256 FROM messages m WHERE m.path = ?1 UNION ALL SELECT "
                   "m.folder_id, m.uidvalidity, m.uid, m.path, m.sha256, m.deleted_at IS NOT "
                   "NULL, 1, a.sha256 FROM attachments a JOIN messages m ON m.id = a.message_id "
                   "WHERE a.path = ?1 LIMIT 1"));
    st.bind(1, path);
    IMM_ASSIGN(bool row, st.step());
    if (!row)
        return std::optional<FileOwner>();
    FileOwner o;
    o.folder_id = st.column_int(0);
    o.uidvalidity = static_cast<uint32_t>(st.column_int(1));
    o.uid = static_cast<uint32_t>(st.column_int(2));
    o.eml_path = st.column_text(3);
    o.eml_sha256 = st.column_text(4);
    o.expunged = st.column_int(5) != 0;
    o.attachment = st.column_int(6) != 0;
    o.sha256 = st.column_text(7);
    return std::optional<FileOwner>(std::move(o));
}

}  // namespace imapmirror::index
