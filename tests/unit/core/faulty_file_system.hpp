#pragma once
// A core::FileSystem that passes every call to the real one, except the faults a test arms:
// the Nth write fails (ENOSPC, EINTR) or writes fewer bytes than asked, hard links are
// refused (as on a file system without them, or past its link limit), or the process
// "crashes" at the first rename. A crash is a process that stopped there: the rename does not
// happen and no later call touches the disk (each fails with EIO), so what the test finds
// afterwards is what a restart would find, whatever destructors run.

#include <cerrno>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>

#include "core/file_system.hpp"

namespace imapmirror::test {

class FaultyFileSystem final : public core::FileSystem {
  public:
    // The `nth` write from now (1 = the next) fails with `err` and writes nothing.
    void fail_write(int nth, int err) {
        m_fault_at = m_writes + nth;
        m_fault_errno = err;
        m_short_bytes = 0;
    }
    // The `nth` write from now writes at most `bytes` bytes (and succeeds).
    void short_write(int nth, size_t bytes) {
        m_fault_at = m_writes + nth;
        m_fault_errno = 0;
        m_short_bytes = bytes;
    }
    void crash_before_rename() { m_crash_at_rename = true; }
    // Every link from now fails with `err` (EXDEV, EPERM, EMLINK...); 0 lets them through.
    void refuse_links(int err) { m_link_errno = err; }

    bool crashed() const { return m_crashed; }
    int writes() const { return m_writes; }
    int renames() const { return m_renames; }

    int open_at(int dir_fd, const char* name, int flags, unsigned mode) override {
        return dead() ? -1 : real().open_at(dir_fd, name, flags, mode);
    }
    ssize_t write(int fd, const void* data, size_t size) override {
        if (dead())
            return -1;
        if (++m_writes == m_fault_at) {
            if (m_fault_errno != 0) {
                errno = m_fault_errno;
                return -1;
            }
            size = size < m_short_bytes ? size : m_short_bytes;
        }
        return real().write(fd, data, size);
    }
    int fsync(int fd) override { return dead() ? -1 : real().fsync(fd); }
    int syncfs(int fd) override { return dead() ? -1 : real().syncfs(fd); }
    int rename_at(int from_dir, const char* from, int to_dir, const char* to,
                  unsigned flags) override {
        if (m_crash_at_rename)
            m_crashed = true;
        if (dead())
            return -1;
        ++m_renames;
        return real().rename_at(from_dir, from, to_dir, to, flags);
    }
    int link_at(int from_dir, const char* from, int to_dir, const char* to, int flags) override {
        if (dead())
            return -1;
        if (m_link_errno != 0) {
            errno = m_link_errno;
            return -1;
        }
        return real().link_at(from_dir, from, to_dir, to, flags);
    }
    int unlink_at(int dir_fd, const char* name, int flags) override {
        return dead() ? -1 : real().unlink_at(dir_fd, name, flags);
    }

  private:
    static core::FileSystem& real() { return core::posix_file_system(); }
    bool dead() {
        if (m_crashed)
            errno = EIO;
        return m_crashed;
    }

    int m_writes = 0;
    int m_renames = 0;
    int m_fault_at = 0;  // 0: no fault armed
    int m_fault_errno = 0;
    size_t m_short_bytes = 0;
    int m_link_errno = 0;
    bool m_crash_at_rename = false;
    bool m_crashed = false;
};

// The bytes of the file at `path` ("" when it cannot be read), for checking what a write left.
inline std::string file_contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace imapmirror::test
