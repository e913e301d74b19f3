#pragma once
// The calls that write the archive and the token store, behind one small interface (as
// LevelDB's Env): the POSIX implementation by default; tests put one in its place that fails
// a chosen call (ENOSPC, a short write, EINTR) or "crashes" (stops touching the disk) before
// a rename, to pin what the writers leave behind. Reading, directory walks and locks are not
// here: no test needs to fault them.
//
// Each member is the system call of the same name with its contract: it returns what the call
// returns and sets errno on failure, so callers keep their EINTR and short-write loops.

#include <sys/types.h>

#include <string_view>

#include "core/error.hpp"

namespace imapmirror::core {

class FileSystem {
  public:
    virtual ~FileSystem() = default;

    // openat(2) with a mode (for O_CREAT).
    virtual int open_at(int dir_fd, const char* name, int flags, unsigned mode) = 0;
    // write(2): may write fewer bytes than asked, or fail with EINTR.
    virtual ssize_t write(int fd, const void* data, size_t size) = 0;
    virtual int fsync(int fd) = 0;
    // syncfs(2): every file of the file system holding `fd`.
    virtual int syncfs(int fd) = 0;
    // renameat2(2); `flags` 0 or RENAME_NOREPLACE.
    virtual int rename_at(int from_dir, const char* from, int to_dir, const char* to,
                          unsigned flags) = 0;
    // linkat(2).
    virtual int link_at(int from_dir, const char* from, int to_dir, const char* to, int flags) = 0;
    // unlinkat(2).
    virtual int unlink_at(int dir_fd, const char* name, int flags) = 0;
};

// The real one: each member calls the system. One instance, shared; thread-safe.
FileSystem& posix_file_system();

// Writes all of `bytes` to `fd` through `fs`: a short write goes on with the rest, an EINTR
// is retried. An error is file_error("cannot write", `shown`); how much was written before it
// is unknown to the caller, whose file is then to be thrown away.
Result<void> write_all(FileSystem& fs, int fd, std::string_view bytes, std::string_view shown);

// Errno from a file operation -> Error of scope Run naming `path`: ENOSPC and EDQUOT are
// DiskFull (exit 9, with the hint to free space), the rest Io.
Error file_error(int err, std::string_view what, std::string_view path);

}  // namespace imapmirror::core
