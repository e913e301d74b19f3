#include "index/live_messages.hpp"

namespace imapmirror::index {

core::Result<std::vector<LiveMessage>> live_messages(ArchiveIndex& index, int64_t folder_id) {
    IMM_ASSIGN(auto st, index.db().prepare(
                            "SELECT uidvalidity, uid, flags, internal_date, from_addr, path, size "
                            "FROM messages WHERE folder_id = ?1 AND deleted_at IS NULL "
                            "ORDER BY uidvalidity, uid"));
    st.bind(1, folder_id);
    std::vector<LiveMessage> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            return out;
        out.push_back({static_cast<uint32_t>(st.column_int(0)),
                       static_cast<uint32_t>(st.column_int(1)), st.column_text(2),
                       st.column_text(3), st.column_text(4), st.column_text(5),
                       static_cast<uint64_t>(st.column_int(6))});
    }
}

}  // namespace imapmirror::index
