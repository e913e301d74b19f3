#include "sync/msg_backfill.hpp"

#include <filesystem>

#include "core/interrupt.hpp"
#include "index/archive_index.hpp"
#include "store/atomic_file.hpp"
#include "sync/msg_file.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;
using core::Scope;

namespace {

// "a/b/1.eml" -> "a/b/1.msg"; a path without ".eml" keeps its name and gains ".msg".
std::string msg_path_for(const std::string& eml) {
    const std::string ext = ".eml";
    if (eml.size() > ext.size() && eml.compare(eml.size() - ext.size(), ext.size(), ext) == 0)
        return eml.substr(0, eml.size() - ext.size()) + ".msg";
    return eml + ".msg";
}

// Commits the batch's files, then their rows; when the rows fail, the files go again, so the
// archive never holds a .msg the index does not list.
Result<void> commit(index::ArchiveIndex& index, store::DurableBatch& batch,
                    std::vector<index::ArchiveIndex::MsgFile>& rows, MsgBackfillResult& result) {
    if (rows.empty())
        return {};
    IMM_TRY(batch.commit());
    if (auto recorded = index.set_msg_files(rows); !recorded) {
        batch.undo_last_commit();
        return recorded;
    }
    for (const auto& row : rows)
        result.written += row.unconvertible.empty() ? 1 : 0;
    rows.clear();
    return {};
}

}  // namespace

Result<MsgBackfillResult> backfill_msg_files(index::ArchiveIndex& index, const std::string& root,
                                             int64_t up_to, size_t per_commit) {
    MsgBackfillResult result;
    store::DurableBatch batch(root);
    std::vector<index::ArchiveIndex::MsgFile> rows;
    int64_t after = 0;
    for (;;) {
        IMM_ASSIGN(auto page, index.messages_without_msg(after, up_to, per_commit));
        if (page.empty())
            break;
        for (const auto& m : page) {
            after = m.id;
            if (core::interrupted()) {
                IMM_TRY(commit(index, batch, rows, result));
                return core::interrupted_error();
            }
            const std::string eml = root + "/" + m.path;
            std::error_code ec;
            if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(eml, ec)))
                continue;  // `verify` reports the missing .eml
            const std::string relative = msg_path_for(m.path);
            const std::string dir = std::filesystem::path(eml).parent_path().string();
            IMM_ASSIGN(auto converted, convert_to_temp(dir, eml, root + "/" + relative));
            if (converted.unconvertible()) {
                rows.push_back(
                    index::ArchiveIndex::MsgFile{m.id, "", "", 0, converted.refused->message});
                ++result.unconvertible;
                continue;
            }
            if (converted.refused) {
                auto e = core::make_error(
                    converted.refused->kind,
                    "no .msg written for " + m.path + ": " + converted.refused->message,
                    Scope::Message);
                e.hint = "the .eml is archived; it is tried again on the next run with --msg";
                result.errors.push_back(std::move(e));
                continue;
            }
            index::ArchiveIndex::MsgFile row;
            row.id = m.id;
            row.path = relative;
            row.sha256 = converted.file->sha256;
            row.size = converted.file->size;
            batch.add(converted.file->temp_path, root + "/" + relative);
            rows.push_back(std::move(row));
        }
        IMM_TRY(commit(index, batch, rows, result));
    }
    return result;
}

}  // namespace imapmirror::sync
