#pragma once
// What a killed run leaves behind: the temporary names (store::kTempPrefix) of files and
// directories that were never committed. Removed at the start of the next writing run, in
// every directory the archive writes in, so that one run after a SIGKILL leaves an archive that
// `verify` accepts, whichever phase was killed (download, .msg backfill, label links).

#include <cstddef>

#include "core/error.hpp"
#include "index/archive_index.hpp"
#include "store/archive_root.hpp"

namespace imapmirror::sync {

// Removes every name starting with store::kTempPrefix directly in DIR and in each folder's
// directory the index knows (deleted folders included), and returns how many went. The caller
// holds the archive's lock (no other run is writing them). Never follows a link: a folder
// directory that is a link or missing is passed over, and a temporary that is a link is removed
// itself (store::remove_tree_at). A name that an index row calls an archived file (message,
// .msg, attachment, label link) is kept, whatever it looks like. An error returned is the
// index's.
core::Result<size_t> remove_stale_temporaries(const store::ArchiveRoot& root,
                                              index::ArchiveIndex& index);

}  // namespace imapmirror::sync
