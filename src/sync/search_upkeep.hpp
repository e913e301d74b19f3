#pragma once
// When an export merges the full-text index. FTS5 adds each committed batch as a segment and
// merges segments only partly as it goes, so a large first backup leaves many, and every
// search reads each one: merged into one ('optimize'), the searches of `scripts/bench search`
// on 200,000 messages took 10-40% less CPU. Merging is a pass over the whole full-text index
// (6 s at 200,000 messages), so a nightly run that adds a little leaves it alone.

#include <cstdint>

namespace imapmirror::sync {

// At least this many new messages, and at least 1/kMergeShare of the archive after the run.
inline constexpr uint64_t kMergeMinMessages = 1000;
inline constexpr uint64_t kMergeShare = 20;

// True when a run that archived `added` messages into an archive that held about `before`
// (its highest message id) should merge the full-text index.
constexpr bool worth_merging_search_index(uint64_t added, uint64_t before) {
    return added >= kMergeMinMessages && added * kMergeShare >= before + added;
}

}  // namespace imapmirror::sync
