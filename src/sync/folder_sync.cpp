#include "sync/folder_sync.hpp"

#include "core/log.hpp"

namespace imapmirror::sync {

using core::Result;

Result<std::vector<uint32_t>> SharedReads::live_uids(int64_t folder_id, uint32_t uidvalidity) {
    return m_run.with_index(
        [&](index::ArchiveIndex& ix) { return ix.live_uids(folder_id, uidvalidity); });
}

Result<std::vector<index::EpochCandidate>> SharedReads::other_epoch_messages(int64_t folder_id,
                                                                             uint32_t uidvalidity) {
    return m_run.with_index(
        [&](index::ArchiveIndex& ix) { return ix.other_epoch_messages(folder_id, uidvalidity); });
}

Result<std::vector<index::StoredState>> SharedReads::stored_states(int64_t folder_id,
                                                                   uint32_t uidvalidity,
                                                                   uint32_t lo, uint32_t hi) {
    return m_run.with_index(
        [&](index::ArchiveIndex& ix) { return ix.stored_states(folder_id, uidvalidity, lo, hi); });
}

namespace {

// The plan's index writes; re-maps first, so that flags and expunges find the moved rows.
Result<void> write_plan(SharedRun& run, const index::FolderRecord& folder, const FolderPlan& p) {
    const uint32_t uidvalidity = *p.state.uidvalidity;
    std::vector<std::pair<int64_t, uint32_t>> rows;
    for (const auto& r : p.remapped)
        rows.emplace_back(r.row_id, r.uid);
    std::vector<std::pair<uint32_t, std::string>> flags;
    for (const auto& f : p.flags)
        flags.emplace_back(f.uid, f.flags);
    std::vector<std::pair<uint32_t, std::vector<std::string>>> labels;
    for (const auto& l : p.labels)
        labels.emplace_back(l.uid, l.labels);
    uint64_t flags_changed = 0, labels_changed = 0;
    IMM_TRY(run.with_index([&](index::ArchiveIndex& ix) -> Result<void> {
        if (p.clear_refusal)
            IMM_TRY(ix.set_examine_refused(folder.id, {}));
        if (!rows.empty())
            IMM_TRY(ix.remap(uidvalidity, rows));
        if (!p.expunged_rows.empty())
            IMM_TRY(ix.mark_rows_expunged(p.expunged_rows));
        IMM_ASSIGN(flags_changed, ix.update_flags(folder.id, uidvalidity, flags));
        IMM_ASSIGN(labels_changed, ix.update_labels(folder.id, uidvalidity, labels));
        return ix.mark_expunged(folder.id, uidvalidity, p.expunged);
    }));
    run.count([&](ExportSummary& s) {
        s.remapped += p.remapped.size();
        s.flags_changed += flags_changed;
        s.labels_changed += labels_changed;
        s.expunged += p.expunged.size();
        if (flags_changed > 0 || !p.expunged.empty()) {
            auto& changes = s.folder_changes[folder.name];
            changes.flags_changed += flags_changed;
            changes.expunged += p.expunged.size();
        }
        s.quirks.insert(p.quirks.begin(), p.quirks.end());
        if (p.discrepancy)
            s.errors.push_back(*p.discrepancy);
    });
    return {};
}

}  // namespace

Result<FolderPlan> apply_plan(SharedRun& run, const index::FolderRecord& folder,
                              FolderDecision decision) {
    switch (decision.kind) {
        case FolderDecision::Kind::Plan:
            IMM_TRY(write_plan(run, folder, decision.plan));
            return std::move(decision.plan);
        case FolderDecision::Kind::Error: {
            auto e = std::move(*decision.error);
            if (decision.remember_refusal) {
                IMM_TRY(run.with_index([&](index::ArchiveIndex& ix) {
                    return ix.set_examine_refused(folder.id, e.server_reply);
                }));
            }
            return e;
        }
        case FolderDecision::Kind::Skip:
        case FolderDecision::Kind::Vanished:
            break;
    }
    if (decision.kind == FolderDecision::Kind::Skip && decision.skip == SkipReason::RefusedAgain) {
        core::log(core::LogLevel::Verbose,
                  folder.name + ": the server refuses to open it, as on earlier runs; skipped");
        run.count([](ExportSummary& s) { ++s.folders_refused; });
    }
    FolderPlan nothing;
    nothing.reconciled = false;
    return nothing;
}

Result<FolderPlan> sync_folder(imap::Client& client, SharedRun& run,
                               const index::FolderRecord& folder,
                               std::optional<uint32_t> status_uidnext) {
    SharedReads reads(run);
    IMM_ASSIGN(auto decision, plan_folder(client, reads, folder, status_uidnext));
    return apply_plan(run, folder, std::move(decision));
}

Result<void> record_synced(SharedRun& run, const index::FolderRecord& folder,
                           const FolderPlan& plan) {
    if (!plan.reconciled)
        return {};
    index::FolderRecord sync = folder;
    sync.uidvalidity = plan.state.uidvalidity;
    sync.uidnext = plan.state.uidnext;
    sync.highestmodseq = plan.state.highestmodseq;
    sync.server_messages = plan.state.exists;
    return run.with_index(
        [&](index::ArchiveIndex& ix) { return ix.record_folder_sync(folder.id, sync); });
}

}  // namespace imapmirror::sync
