#include "store/label_link.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "store/atomic_file.hpp"

namespace imapmirror::store {

using core::Result;

namespace {

Result<UniqueFd> open_parent(const ArchiveRoot& root, const std::string& dir, bool create) {
    if (dir.empty())
        return UniqueFd(::dup(root.fd()));
    return root.open_directory(dir, create);
}

// Opens `name` in `dir_fd` for reading, never through a link.
Result<UniqueFd> open_file(int dir_fd, const std::string& name, const std::string& shown) {
    int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return file_error(errno, "cannot read", shown);
    return UniqueFd(fd);
}

Result<bool> same_bytes(int a, int b, const std::string& shown) {
    std::string x(64 * 1024, '\0'), y(64 * 1024, '\0');
    for (;;) {
        const ssize_t n = ::read(a, x.data(), x.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return file_error(errno, "cannot read", shown);
        size_t got = 0;
        while (got < static_cast<size_t>(n)) {
            const ssize_t m = ::read(b, y.data() + got, static_cast<size_t>(n) - got);
            if (m < 0 && errno == EINTR)
                continue;
            if (m < 0)
                return file_error(errno, "cannot read", shown);
            if (m == 0)
                return false;
            got += static_cast<size_t>(m);
        }
        if (x.compare(0, got, y, 0, got) != 0)
            return false;
        if (n == 0) {
            char c;
            return ::read(b, &c, 1) == 0;
        }
    }
}

Result<void> copy_into(const ArchiveRoot& root, int source_fd, const SplitPath& to,
                       core::FileSystem& fs) {
    const std::string dir = root.path() + (to.dir.empty() ? "" : "/" + to.dir);
    IMM_ASSIGN(auto file, AtomicFile::create(dir, fs));
    IMM_TRY(read_chunks(source_fd, "a message to copy into " + dir,
                        [&](std::string_view chunk) { return file.write(chunk); }));
    return file.commit(dir + "/" + to.name);
}

}  // namespace

Result<LinkResult> link_or_copy(const ArchiveRoot& root, const std::string& existing,
                                const std::string& link, core::FileSystem& fs, Copies copies) {
    const SplitPath from = split_path(existing), to = split_path(link);
    IMM_ASSIGN(auto from_dir, open_parent(root, from.dir, false));
    IMM_ASSIGN(auto to_dir, open_parent(root, to.dir, true));
    if (fs.link_at(from_dir.get(), from.name.c_str(), to_dir.get(), to.name.c_str(), 0) == 0)
        return LinkResult{LinkMade::Linked, 0};
    const int err = errno;
    IMM_ASSIGN(auto source, open_file(from_dir.get(), from.name, root.path() + "/" + existing));
    // A copy must not replace a file either: whatever holds the name is compared first.
    struct stat at_name {};
    if (err == EEXIST ||
        ::fstatat(to_dir.get(), to.name.c_str(), &at_name, AT_SYMLINK_NOFOLLOW) == 0) {
        auto occupied = core::make_error(core::ErrorKind::Corrupt,
                                         "another file is already at " + root.path() + "/" + link +
                                             "; it is kept and this label link is not made",
                                         core::Scope::Message);
        // A link or anything unreadable at the name is someone else's: kept, never followed.
        auto present = open_file(to_dir.get(), to.name, root.path() + "/" + link);
        if (!present)
            return occupied;
        struct stat a {};
        struct stat b {};
        if (::fstat(source.get(), &a) == 0 && ::fstat(present->get(), &b) == 0 &&
            a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return LinkResult{LinkMade::Present, 0};
        IMM_ASSIGN(bool same, same_bytes(source.get(), present->get(), root.path() + "/" + link));
        if (same)
            return LinkResult{LinkMade::Present, 0};
        return occupied;
    }
    // A file system without hard links between these directories: a copy keeps the label
    // directory complete, at the cost of its bytes.
    if (err != EXDEV && err != EPERM && err != EMLINK)
        return file_error(err, "cannot link " + root.path() + "/" + existing + " as",
                          root.path() + "/" + link);
    if (copies == Copies::Refused)
        return LinkResult{LinkMade::NotMade, err};
    IMM_TRY(copy_into(root, source.get(), to, fs));
    return LinkResult{LinkMade::Copied, err};
}

Result<void> remove_link(const ArchiveRoot& root, const std::string& link, core::FileSystem& fs) {
    const SplitPath to = split_path(link);
    // A label directory the user removed comes back empty: simpler than telling its absence
    // from an error on the way to it.
    IMM_ASSIGN(auto dir, open_parent(root, to.dir, true));
    if (fs.unlink_at(dir.get(), to.name.c_str(), 0) != 0 && errno != ENOENT)
        return file_error(errno, "cannot remove", root.path() + "/" + link);
    return {};
}

}  // namespace imapmirror::store
