#include "store/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "store/mirror_layout.hpp"

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

Result<void> AtomicFile::set_mtime(int64_t unix_seconds) {
    timespec times[2];
    times[0].tv_sec = unix_seconds;
    times[0].tv_nsec = 0;
    times[1] = times[0];
    if (::futimens(m_fd, times) != 0)
        return file_error(errno, "cannot set the time of", m_temp);
    return {};
}

Result<std::string> AtomicFile::release() {
    int fd = m_fd;
    m_fd = -1;
    std::string temp = std::move(m_temp);
    m_temp.clear();
    if (::close(fd) != 0) {
        int err = errno;
        ::unlink(temp.c_str());
        return file_error(err, "cannot close", temp);
    }
    return temp;
}

void DurableBatch::add(std::string temp, std::string final_path) {
    m_entries.emplace_back(std::move(temp), std::move(final_path));
}

namespace {
std::string directory_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

void fsync_directory(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    ::fsync(fd);  // best effort: some file systems refuse fsync on directories
    ::close(fd);
}
}  // namespace

Result<void> DurableBatch::commit() {
    if (m_entries.empty())
        return {};
    int root = ::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return file_error(errno, "cannot open", m_root);
    // One flush of everything written (data and metadata) before any file gets its final name.
    int rc = ::syncfs(root);
    int err = errno;
    ::close(root);
    if (rc != 0)
        return file_error(err, "cannot sync", m_root);
    std::set<std::string> dirs;
    m_last_committed.clear();
    for (auto& [temp, final_path] : m_entries) {
        if (::rename(temp.c_str(), final_path.c_str()) != 0) {
            if (errno != ENOTEMPTY && errno != EEXIST && errno != EISDIR)
                return file_error(errno, "cannot rename to", final_path);
            // A directory from an interrupted earlier run: replace it.
            remove_tree(final_path);
            if (::rename(temp.c_str(), final_path.c_str()) != 0)
                return file_error(errno, "cannot rename to", final_path);
        }
        temp.clear();
        m_last_committed.push_back(final_path);
        dirs.insert(directory_of(final_path));
    }
    for (const auto& d : dirs)
        fsync_directory(d);
    m_entries.clear();
    return {};
}

void DurableBatch::undo_last_commit() {
    for (const auto& path : m_last_committed)
        remove_tree(path);
    m_last_committed.clear();
}

void DurableBatch::discard() {
    for (const auto& [temp, final_path] : m_entries)
        if (!temp.empty())
            remove_tree(temp);
    m_entries.clear();
}

void remove_tree(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        if (DIR* d = ::opendir(path.c_str())) {
            while (dirent* e = ::readdir(d)) {
                std::string name = e->d_name;
                if (name == "." || name == "..")
                    continue;
                remove_tree(path + "/" + name);
            }
            ::closedir(d);
        }
        ::rmdir(path.c_str());
    } else {
        ::unlink(path.c_str());
    }
}

void remove_stale_temps(const std::string& directory) {
    DIR* d = ::opendir(directory.c_str());
    if (!d)
        return;
    std::vector<std::string> stale;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name.rfind(kTempPrefix, 0) == 0)
            stale.push_back(directory + "/" + name);
    }
    ::closedir(d);
    for (const auto& p : stale)
        remove_tree(p);
}

Result<void> make_directories(const std::string& path) {
    if (path.empty())
        return {};
    std::string partial;
    size_t pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        partial = path.substr(0, pos);
        if (partial.empty())
            continue;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
            return file_error(errno, "cannot create directory", partial);
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return file_error(ENOTDIR, "cannot use as a directory", path);
    return {};
}

}  // namespace imapmirror::store
