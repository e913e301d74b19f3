#include "store/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "store/archive_root.hpp"
#include "store/mirror_layout.hpp"
#include "store/write_all.hpp"

namespace imapmirror::store {

using core::ErrorKind;
using core::Result;

Result<void> write_all(int fd, std::string_view bytes, std::string_view shown) {
    return core::write_all(core::posix_file_system(), fd, bytes, shown);
}

core::Result<void> read_chunks(int fd, std::string_view shown,
                               const std::function<core::Result<void>(std::string_view)>& each) {
    std::string buf(256 * 1024, '\0');
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return file_error(errno, "cannot read", shown);
        if (n == 0)
            return {};
        IMM_TRY(each(std::string_view(buf.data(), static_cast<size_t>(n))));
    }
}

SplitPath split_path(const std::string& relative) {
    const size_t slash = relative.rfind('/');
    if (slash == std::string::npos)
        return {"", relative};
    return {relative.substr(0, slash), relative.substr(slash + 1)};
}

void DurableBatch::add(std::string temp, std::string final_path) {
    m_entries.emplace_back(std::move(temp), std::move(final_path));
}

namespace {
std::string directory_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string base_name(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A directory at `to` is replaced only by a directory, and only when its name is an archive
// file name (a message's .attachments left by a run that died between its renames and its
// index rows); a folder's directory never is (mirror_layout's reserved-name rule). A file at
// `to` is replaced by the rename itself.
Result<void> make_room(int dir, const std::string& from, const std::string& to,
                       const std::string& final_path) {
    struct stat at_name {};
    if (::fstatat(dir, to.c_str(), &at_name, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(at_name.st_mode))
        return {};
    struct stat temp {};
    if (::fstatat(dir, from.c_str(), &temp, AT_SYMLINK_NOFOLLOW) != 0)
        return file_error(errno, "cannot read", final_path);
    if (!S_ISDIR(temp.st_mode) || !is_archive_file_name(to))
        return directory_in_the_way(final_path);
    remove_tree_at(dir, to);
    return {};
}

}  // namespace

Result<int> DurableBatch::directory_of_entry(int root_fd, const std::string& final_path) {
    const std::string dir = directory_of(final_path);
    if (dir.size() <= m_root.size() || dir.compare(0, m_root.size(), m_root) != 0 ||
        dir[m_root.size()] != '/')
        return core::make_error(ErrorKind::Io, "not inside the archive: " + final_path,
                                core::Scope::Run);
    auto it = m_dirs.find(dir);
    if (it == m_dirs.end()) {
        IMM_ASSIGN(auto fd,
                   open_directory_beneath(root_fd, dir.substr(m_root.size() + 1), false, m_root));
        it = m_dirs.emplace(dir, std::move(fd)).first;
    }
    return it->second.get();
}

Result<void> DurableBatch::commit() {
    if (m_entries.empty())
        return {};
    UniqueFd root(::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return file_error(errno, "cannot open", m_root);
    // One flush of everything written (data and metadata) before any file gets its final name.
    if (m_fs->syncfs(root.get()) != 0)
        return file_error(errno, "cannot sync", m_root);
    // Renames go through directories opened beneath the root without following a link, so a
    // folder directory swapped for a link never receives a final name (nor loses one).
    m_dirs.clear();
    m_last_committed.clear();
    for (auto& [temp, final_path] : m_entries) {
        IMM_ASSIGN(int dir, directory_of_entry(root.get(), final_path));
        if (directory_of(temp) != directory_of(final_path))
            return core::make_error(ErrorKind::Io, "not in its final directory: " + temp,
                                    core::Scope::Run);
        const std::string from = base_name(temp), to = base_name(final_path);
        IMM_TRY(make_room(dir, from, to, final_path));
        if (m_fs->rename_at(dir, from.c_str(), dir, to.c_str(), 0) != 0)
            return errno == EISDIR ? directory_in_the_way(final_path)
                                   : file_error(errno, "cannot rename to", final_path);
        temp.clear();
        m_last_committed.push_back(final_path);
    }
    for (const auto& [path, fd] : m_dirs)
        (void)m_fs->fsync(fd.get());  // best effort: some file systems refuse fsync on directories
    m_entries.clear();
    return {};
}

void DurableBatch::undo_last_commit() {
    UniqueFd root(::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    for (const auto& path : m_last_committed)
        if (auto dir = directory_of_entry(root.get(), path))
            remove_tree_at(*dir, base_name(path));
    m_last_committed.clear();
    m_dirs.clear();
}

void DurableBatch::discard() {
    // A file goes through the seam (a test's crashed file system keeps it, as a dead process
    // would); unlink(2) refuses a directory (EISDIR: an .attachments), which is walked.
    for (const auto& [temp, final_path] : m_entries)
        if (!temp.empty() && m_fs->unlink_at(AT_FDCWD, temp.c_str(), 0) != 0 && errno == EISDIR)
            remove_tree(temp);
    m_entries.clear();
}

void remove_tree_at(int dir_fd, const std::string& name) {
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        ::unlinkat(dir_fd, name.c_str(), 0);  // a link itself goes, never what it points to
        return;
    }
    int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        if (DIR* d = ::fdopendir(fd)) {
            std::vector<std::string> names;
            while (dirent* e = ::readdir(d)) {
                std::string child = e->d_name;
                if (child != "." && child != "..")
                    names.push_back(std::move(child));
            }
            for (const auto& child : names)
                remove_tree_at(::dirfd(d), child);
            ::closedir(d);
        } else {
            ::close(fd);
        }
    }
    ::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR);
}

void remove_tree(const std::string& path) {
    remove_tree_at(AT_FDCWD, path);
}

std::vector<std::string> stale_temp_names(int dir_fd) {
    std::vector<std::string> stale;
    int fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return stale;
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        return stale;
    }
    ::rewinddir(d);
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name.rfind(kTempPrefix, 0) == 0)
            stale.push_back(std::move(name));
    }
    ::closedir(d);
    return stale;
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
