#pragma once
// DIR, as the commands that write it open it: locked first, then its index. The one place that
// order is written (export, reindex, verify --repair); readers (verify, search, show, threads,
// accounts) take no lock and open store::index_path(DIR) read-only.

#include <string>

#include "core/error.hpp"
#include "index/archive_index.hpp"
#include "sync/archive_lock.hpp"

namespace imapmirror::sync {

// DIR/index.sqlite: where every command, writer or reader, finds DIR's index.
std::string index_path(const std::string& dir);

// DIR held open and locked (LockedArchive), and its index. The index is a member of the
// derived type, so it is closed before the lock is let go.
struct Archive : LockedArchive {
    index::ArchiveIndex index;
};

enum class IndexOpen {
    Create,    // create the index when missing, and migrate it (export, repair)
    Existing,  // the index must exist (reindex): NotFound naming DIR otherwise
};

// DIR (created if needed), its lock (a Locked error when another run holds it, before the index
// is touched), then its index. Errors: lock_archive's, then ArchiveIndex::open's or
// open_existing's.
core::Result<Archive> open_for_writing(const std::string& dir, IndexOpen how);

}  // namespace imapmirror::sync
