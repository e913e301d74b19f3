#include "core/file_system.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace imapmirror::core {

namespace {

class PosixFileSystem final : public FileSystem {
  public:
    int open_at(int dir_fd, const char* name, int flags, unsigned mode) override {
        return ::openat(dir_fd, name, flags, static_cast<mode_t>(mode));
    }
    ssize_t write(int fd, const void* data, size_t size) override {
        return ::write(fd, data, size);
    }
    int fsync(int fd) override { return ::fsync(fd); }
    int syncfs(int fd) override { return ::syncfs(fd); }
    int rename_at(int from_dir, const char* from, int to_dir, const char* to,
                  unsigned flags) override {
        // renameat2 only where a flag needs it: the writers called renameat before the seam.
        return flags == 0 ? ::renameat(from_dir, from, to_dir, to)
                          : ::renameat2(from_dir, from, to_dir, to, flags);
    }
    int link_at(int from_dir, const char* from, int to_dir, const char* to, int flags) override {
        return ::linkat(from_dir, from, to_dir, to, flags);
    }
    int unlink_at(int dir_fd, const char* name, int flags) override {
        return ::unlinkat(dir_fd, name, flags);
    }
};

}  // namespace

FileSystem& posix_file_system() {
    static PosixFileSystem fs;
    return fs;
}

Result<void> write_all(FileSystem& fs, int fd, std::string_view bytes, std::string_view shown) {
    while (!bytes.empty()) {
        const ssize_t n = fs.write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return file_error(errno, "cannot write", shown);
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

Error file_error(int err, std::string_view what, std::string_view path) {
    bool full = err == ENOSPC || err == EDQUOT;
    auto e = make_error(full ? ErrorKind::DiskFull : ErrorKind::Io,
                        std::string(what) + " \"" + std::string(path) + "\": " + std::strerror(err),
                        Scope::Run);
    e.hint = full ? "free some space and run again; nothing incomplete was kept"
                  : "check the path and its permissions";
    return e;
}

}  // namespace imapmirror::core
