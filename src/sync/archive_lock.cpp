#include "sync/archive_lock.hpp"

#include <sys/file.h>

namespace imapmirror::sync {

core::Result<RunLock> RunLock::acquire(const store::ArchiveRoot& root) {
    IMM_ASSIGN(auto fd, root.open_private_file(kLockFileName));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        auto e = core::make_error(
            core::ErrorKind::Locked,
            "another imapmirror is already exporting into (or reindexing) " + root.path(),
            core::Scope::Run);
        e.hint = "wait for it to finish, or use another directory";
        return e;
    }
    return RunLock(std::move(fd));
}

core::Result<LockedArchive> lock_archive(const std::string& dir) {
    IMM_ASSIGN(auto root, store::ArchiveRoot::open(dir));
    IMM_ASSIGN(auto lock, RunLock::acquire(root));
    return LockedArchive{std::move(root), std::move(lock)};
}

}  // namespace imapmirror::sync
