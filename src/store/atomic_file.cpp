#include "store/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace imapmirror::store {

using core::ErrorKind;
using core::Result;

core::Error file_error(int err, std::string_view what, std::string_view path) {
    bool full = err == ENOSPC || err == EDQUOT;
    auto e = core::make_error(
        full ? ErrorKind::DiskFull : ErrorKind::Io,
        std::string(what) + " \"" + std::string(path) + "\": " + std::strerror(err),
        core::Scope::Run);
    e.hint = full ? "free some space and run again; nothing incomplete was kept"
                  : "check the path and its permissions";
    return e;
}

AtomicFile::AtomicFile(int fd, std::string temp, std::string directory)
    : m_fd(fd), m_temp(std::move(temp)), m_directory(std::move(directory)) {}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : m_fd(o.m_fd),
      m_temp(std::move(o.m_temp)),
      m_directory(std::move(o.m_directory)),
      m_size(o.m_size) {
    o.m_fd = -1;
    o.m_temp.clear();
}

AtomicFile& AtomicFile::operator=(AtomicFile&& o) noexcept {
    if (this != &o) {
        discard();
        m_fd = o.m_fd;
        m_temp = std::move(o.m_temp);
        m_directory = std::move(o.m_directory);
        m_size = o.m_size;
        o.m_fd = -1;
        o.m_temp.clear();
    }
    return *this;
}

AtomicFile::~AtomicFile() {
    discard();
}

void AtomicFile::discard() {
    if (m_fd >= 0)
        ::close(m_fd);
    if (!m_temp.empty())
        ::unlink(m_temp.c_str());
    m_fd = -1;
    m_temp.clear();
}

Result<AtomicFile> AtomicFile::create(const std::string& directory) {
    std::string pattern =
        (directory.empty() ? std::string(".") : directory) + "/.imapmirror-tmp-XXXXXX";
    int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0)
        return file_error(errno, "cannot create a file in", directory);
    return AtomicFile(fd, pattern, directory.empty() ? "." : directory);
}

Result<void> AtomicFile::write(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(m_fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return file_error(errno, "cannot write", m_temp);
        }
        bytes.remove_prefix(static_cast<size_t>(n));
        m_size += static_cast<uint64_t>(n);
    }
    return {};
}

Result<void> AtomicFile::commit(const std::string& final_path) {
    if (::fsync(m_fd) != 0)
        return file_error(errno, "cannot sync", m_temp);
    if (::close(m_fd) != 0) {
        m_fd = -1;
        return file_error(errno, "cannot close", m_temp);
    }
    m_fd = -1;
    if (::rename(m_temp.c_str(), final_path.c_str()) != 0)
        return file_error(errno, "cannot rename to", final_path);
    m_temp.clear();
    int dfd = ::open(m_directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);  // best effort: some file systems refuse fsync on directories
        ::close(dfd);
    }
    return {};
}

}  // namespace imapmirror::store
