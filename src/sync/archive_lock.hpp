#pragma once
// The one writer of an archive at a time: `export` and `reindex` hold DIR/.imapmirror.lock
// exclusively for their whole run.

#include <string>

#include "core/error.hpp"
#include "store/archive_root.hpp"

namespace imapmirror::sync {

// The lock file's name in DIR (verify does not count it as an extra file).
inline constexpr const char* kLockFileName = ".imapmirror.lock";

// Holds an exclusive lock on DIR/.imapmirror.lock while alive. The kernel drops it when the
// process dies, so a crashed run never leaves the archive locked.
class RunLock {
  public:
    // A Locked error naming DIR when another process holds it.
    static core::Result<RunLock> acquire(const store::ArchiveRoot& root);

  private:
    explicit RunLock(store::UniqueFd fd) : m_fd(std::move(fd)) {}
    store::UniqueFd m_fd;
};

// DIR and its lock, held from the start of a run to its end.
struct LockedArchive {
    store::ArchiveRoot root;
    RunLock lock;
};

// DIR (created if needed, see store::ArchiveRoot::open) and its lock. Local only, so an archive
// another run holds is refused before any connection is made (and before its index is touched).
core::Result<LockedArchive> lock_archive(const std::string& dir);

}  // namespace imapmirror::sync
