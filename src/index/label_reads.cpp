#include "index/label_reads.hpp"

namespace imapmirror::index {

using core::Result;

Result<std::vector<std::string>> label_names(ArchiveIndex& index) {
    IMM_ASSIGN(auto st, index.db().prepare("SELECT name FROM labels ORDER BY name"));
    std::vector<std::string> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            return out;
        out.push_back(st.column_text(0));
    }
}

Result<std::vector<std::string>> label_link_directories(ArchiveIndex& index) {
    // rtrim(path, <path without its slashes>) strips the last name and keeps its '/'.
    IMM_ASSIGN(auto st, index.db().prepare("SELECT DISTINCT rtrim(path, replace(path, '/', '')) "
                                           "FROM label_links"));
    std::vector<std::string> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            return out;
        std::string dir = st.column_text(0);
        if (!dir.empty() && dir.back() == '/')
            dir.pop_back();
        out.push_back(std::move(dir));
    }
}

Result<std::vector<LabelLink>> label_links_in(ArchiveIndex& index, const std::string& directory) {
    // The primary key's range "DIR/" .. "DIR0" ('0' follows '/'), then only names without a
    // further '/': a label folder may have label folders below it.
    IMM_ASSIGN(auto st, index.db().prepare("SELECT path, message_id, copied FROM label_links "
                                           "WHERE path >= ?1 AND path < ?2 ORDER BY path"));
    st.bind(1, directory + "/").bind(2, directory + "0");
    std::vector<LabelLink> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            return out;
        std::string path = st.column_text(0);
        if (path.find('/', directory.size() + 1) != std::string::npos)
            continue;
        out.push_back(LabelLink{std::move(path), st.column_int(1), st.column_int(2) != 0});
    }
}

Result<std::vector<std::pair<int64_t, std::string>>> messages_labelled(ArchiveIndex& index,
                                                                       const std::string& label) {
    IMM_ASSIGN(auto st, index.db().prepare(
                            "SELECT m.id, m.path FROM labels l JOIN message_labels ml ON "
                            "ml.label_id = l.id JOIN messages m ON m.id = ml.message_id WHERE "
                            "l.name = ?1 AND m.deleted_at IS NULL ORDER BY m.id"));
    st.bind(1, label);
    std::vector<std::pair<int64_t, std::string>> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            return out;
        out.emplace_back(st.column_int(0), st.column_text(1));
    }
}

Result<std::map<int64_t, size_t>> copied_links_per_message(ArchiveIndex& index) {
    IMM_ASSIGN(auto st, index.db().prepare("SELECT message_id, count(*) FROM label_links WHERE "
                                           "copied = 1 GROUP BY message_id"));
    std::map<int64_t, size_t> out;
    for (;;) {
        IMM_ASSIGN(bool row, st.step());
        if (!row)
            return out;
        out.emplace(st.column_int(0), static_cast<size_t>(st.column_int(1)));
    }
}

}  // namespace imapmirror::index
