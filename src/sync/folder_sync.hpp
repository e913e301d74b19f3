#pragma once
// The export's side of a folder's decision (run_plan.hpp): apply_plan() makes the index writes
// the planner decided on (re-maps, flags, labels, expunges, a refusal remembered or cleared)
// and counts them in the summary. Downloading the new bodies is the BodyFetcher's job
// (possibly on other connections); once they all are archived, record_synced() stores the
// state that lets the next run skip an unchanged folder.

#include <optional>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/archive_index.hpp"
#include "sync/run_plan.hpp"
#include "sync/shared_run.hpp"

namespace imapmirror::sync {

// The planner's reads of the run's shared index, each under its lock.
class SharedReads final : public PlanReads {
  public:
    explicit SharedReads(SharedRun& run) : m_run(run) {}
    core::Result<std::vector<uint32_t>> live_uids(int64_t folder_id, uint32_t uidvalidity) override;
    core::Result<std::vector<index::EpochCandidate>> other_epoch_messages(
        int64_t folder_id, uint32_t uidvalidity) override;

    core::Result<std::vector<index::StoredState>> stored_states(int64_t folder_id,
                                                                uint32_t uidvalidity, uint32_t lo,
                                                                uint32_t hi) override;

  private:
    SharedRun& m_run;
};

// Applies `decision` for `folder`. Plan: its writes, in the order that keeps the index right
// (re-maps before the flags of re-mapped UIDs), counted in the summary (remapped,
// flags_changed, labels_changed, expunged, quirks; a `discrepancy` as an error); returns the
// plan for the fetch. Skip (RefusedAgain): counted, returns an empty plan not `reconciled`.
// Error: records a first refusal when `remember_refusal`, then returns the decision's error.
// An error returned is the decision's, or the index's (the write failed).
core::Result<FolderPlan> apply_plan(SharedRun& run, const index::FolderRecord& folder,
                                    FolderDecision decision);

// plan_folder() on `client` against the run's index, then apply_plan(): what a Plan task does.
core::Result<FolderPlan> sync_folder(imap::Client& client, SharedRun& run,
                                     const index::FolderRecord& folder,
                                     std::optional<uint32_t> status_uidnext);

// Stores the folder's state from `plan` as its last sync (STATUS equal to it next time: the
// folder is skipped). Only when every planned message was archived.
core::Result<void> record_synced(SharedRun& run, const index::FolderRecord& folder,
                                 const FolderPlan& plan);

}  // namespace imapmirror::sync
