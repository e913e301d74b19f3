#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <utility>

#include "core/unique_fd.hpp"

namespace imapmirror::core {

Error directory_in_the_way(std::string_view path) {
    auto e = make_error(ErrorKind::Corrupt,
                        "cannot write \"" + std::string(path) +
                            "\": a directory is at that name; it is kept, nothing replaces it",
                        Scope::Run);
    e.hint =
        "a folder directory has a name the archive writes files under (see the layout in "
        "imapmirror(1)); move that directory out of the archive and run again";
    return e;
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : m_fs(o.m_fs),
      m_fd(std::exchange(o.m_fd, -1)),
      m_temp(std::exchange(o.m_temp, {})),
      m_directory(std::move(o.m_directory)),
      m_size(o.m_size) {}

AtomicFile& AtomicFile::operator=(AtomicFile&& o) noexcept {
    if (this != &o) {
        discard();
        m_fs = o.m_fs;
        m_fd = std::exchange(o.m_fd, -1);
        m_temp = std::exchange(o.m_temp, {});
        m_directory = std::move(o.m_directory);
        m_size = o.m_size;
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
        (void)m_fs->unlink_at(AT_FDCWD, m_temp.c_str(), 0);
    m_fd = -1;
    m_temp.clear();
}

Result<AtomicFile> AtomicFile::create(const std::string& directory, FileSystem& fs) {
    const std::string dir = directory.empty() ? std::string(".") : directory;
    std::random_device random;
    for (int attempt = 0; attempt < 16; ++attempt) {
        std::string temp =
            dir + "/" + kTempPrefix + std::to_string(::getpid()) + "-" + std::to_string(random());
        // O_EXCL|O_NOFOLLOW: the name is ours alone, never a link planted in its place.
        const int fd = fs.open_at(AT_FDCWD, temp.c_str(),
                                  O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0)
            return AtomicFile(fs, fd, std::move(temp), dir);
        if (errno != EEXIST)
            return file_error(errno, "cannot create a file in", directory);
    }
    return file_error(EEXIST, "cannot create a temporary file in", directory);
}

Result<void> AtomicFile::write(std::string_view bytes) {
    IMM_TRY(write_all(*m_fs, m_fd, bytes, m_temp));
    m_size += bytes.size();
    return {};
}

Result<void> AtomicFile::commit(const std::string& final_path) {
    if (m_fs->fsync(m_fd) != 0)
        return file_error(errno, "cannot sync", m_temp);
    if (::close(std::exchange(m_fd, -1)) != 0)
        return file_error(errno, "cannot close", m_temp);
    // rename(2) never puts a file over a directory (EISDIR): said as what it means here.
    if (m_fs->rename_at(AT_FDCWD, m_temp.c_str(), AT_FDCWD, final_path.c_str(), 0) != 0)
        return errno == EISDIR ? directory_in_the_way(final_path)
                               : file_error(errno, "cannot rename to", final_path);
    m_temp.clear();
    UniqueFd dir(::open(m_directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir)
        (void)m_fs->fsync(dir.get());  // best effort: some file systems refuse it on directories
    return {};
}

Result<void> AtomicFile::set_mtime(int64_t unix_seconds) {
    timespec times[2];
    times[0].tv_sec = unix_seconds;
    times[0].tv_nsec = 0;
    times[1] = times[0];
    if (::futimens(m_fd, times) != 0)
        return file_error(errno, "cannot set the time of", m_temp);
    return {};
}

Result<void> AtomicFile::set_mode(unsigned mode) {
    if (::fchmod(m_fd, static_cast<mode_t>(mode)) != 0)
        return file_error(errno, "cannot set the permissions of", m_temp);
    return {};
}

Result<std::string> AtomicFile::release() {
    const int fd = std::exchange(m_fd, -1);
    std::string temp = std::exchange(m_temp, {});
    if (::close(fd) != 0) {
        const int err = errno;
        (void)m_fs->unlink_at(AT_FDCWD, temp.c_str(), 0);
        return file_error(err, "cannot close", temp);
    }
    return temp;
}

std::string directory_for(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace imapmirror::core
