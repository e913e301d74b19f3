#include "sync/attachment_backfill.hpp"

#include <filesystem>

#include "core/interrupt.hpp"
#include "index/archive_index.hpp"
#include "store/atomic_file.hpp"
#include "store/attachment_store.hpp"
#include "sync/attachment_writer.hpp"

namespace imapmirror::sync {

using core::Result;
using core::Scope;

namespace {

// Commits the batch's directories, gives their files to the store, then records them; when
// the index refuses, the directories go again (the rows stay "none").
Result<void> commit(index::ArchiveIndex& index, store::DurableBatch& batch,
                    const store::AttachmentStore& attachment_store,
                    std::vector<index::AttachmentRecord>& rows, AttachmentBackfillResult& result) {
    if (rows.empty())
        return {};
    IMM_TRY(batch.commit());
    adopt_attachments(attachment_store, rows);
    if (auto recorded = index.set_attachment_storage(rows); !recorded) {
        batch.undo_last_commit();
        rows.clear();
        return recorded;
    }
    result.written += rows.size();
    rows.clear();
    return {};
}

}  // namespace

Result<AttachmentBackfillResult> backfill_attachment_files(index::ArchiveIndex& index,
                                                           const std::string& root,
                                                           size_t per_commit) {
    AttachmentBackfillResult result;
    IMM_ASSIGN(auto attachment_store, store::AttachmentStore::open(root));
    store::DurableBatch batch(root);
    std::vector<index::AttachmentRecord> rows;
    int64_t after = 0;
    for (;;) {
        IMM_ASSIGN(auto page, index.messages_with_unextracted_attachments(after, per_commit));
        if (page.empty())
            break;
        for (const auto& m : page) {
            after = m.id;
            if (core::interrupted()) {
                IMM_TRY(commit(index, batch, attachment_store, rows, result));
                return core::interrupted_error();
            }
            const std::string eml = root + "/" + m.path;
            std::error_code ec;
            if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(eml, ec)))
                continue;  // `verify` reports the missing .eml
            const auto where = store::split_path(m.path);
            const std::string base = m.path.substr(0, m.path.size() - 4);  // without ".eml"
            AttachmentWriter writer(root + (where.dir.empty() ? "" : "/" + where.dir),
                                    base + ".attachments", &attachment_store);
            if (auto parsed = mime::parse_message_file(eml, writer); !parsed) {
                auto e = std::move(parsed).error();
                e.scope = Scope::Message;
                e.message = "no attachment files written for " + m.path + ": " + e.message;
                e.hint = "the .eml is archived; `verify` checks it";
                result.errors.push_back(std::move(e));
                continue;
            }
            if (auto temp = writer.release_temp_dir(); !temp.empty())
                batch.add(temp, root + "/" + base + ".attachments");
            for (auto& r : writer.records())
                rows.push_back(std::move(r));
        }
        IMM_TRY(commit(index, batch, attachment_store, rows, result));
    }
    return result;
}

}  // namespace imapmirror::sync
