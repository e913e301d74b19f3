#include "store/archive_root.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "store/atomic_file.hpp"

namespace imapmirror::store {

using core::ErrorKind;
using core::Result;

namespace {

core::Error refused(std::string_view shown, std::string_view what, core::Scope scope) {
    auto e = core::make_error(ErrorKind::Io,
                              "\"" + std::string(shown) + "\" " + std::string(what) +
                                  ": imapmirror never follows links inside the archive",
                              scope);
    e.hint = "move it away; the archive's own directories and files must not be links";
    return e;
}

std::string joined(std::string_view base, std::string_view rest) {
    return std::string(base) + "/" + std::string(rest);
}

}  // namespace

Result<UniqueFd> open_directory_beneath(int base_fd, std::string_view relative, bool create,
                                        std::string_view shown_base) {
    UniqueFd current(::fcntl(base_fd, F_DUPFD_CLOEXEC, 0));
    if (!current)
        return file_error(errno, "cannot open", shown_base);
    size_t start = 0;
    while (start <= relative.size()) {
        size_t slash = relative.find('/', start);
        size_t end = slash == std::string_view::npos ? relative.size() : slash;
        const std::string name(relative.substr(start, end - start));
        const std::string shown = joined(shown_base, relative.substr(0, end));
        start = end + 1;
        if (name.empty() && slash == std::string_view::npos && end == 0)
            break;  // "" is the base itself
        if (name.empty() || name == "." || name == "..")
            return core::make_error(ErrorKind::Corrupt, "not a plain relative path: " + shown,
                                    core::Scope::Folder);
        const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
        int fd = ::openat(current.get(), name.c_str(), flags);
        if (fd < 0 && errno == ENOENT && create) {
            if (::mkdirat(current.get(), name.c_str(), 0700) != 0 && errno != EEXIST)
                return file_error(errno, "cannot create directory", shown);
            fd = ::openat(current.get(), name.c_str(), flags);
        }
        if (fd < 0) {
            int err = errno;
            struct stat st {};
            if (::fstatat(current.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
                if (S_ISLNK(st.st_mode))
                    return refused(shown, "is a symbolic link", core::Scope::Folder);
                if (!S_ISDIR(st.st_mode))
                    return refused(shown, "is not a directory", core::Scope::Folder);
            }
            return file_error(err, "cannot open", shown);
        }
        current = UniqueFd(fd);
        if (slash == std::string_view::npos)
            break;
    }
    return current;
}

Result<ArchiveRoot> ArchiveRoot::open(const std::string& path) {
    IMM_TRY(make_directories(path));
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return file_error(errno, "cannot open", path);
    return ArchiveRoot(std::move(fd), path);
}

Result<UniqueFd> ArchiveRoot::open_private_file(std::string_view name) const {
    const std::string n(name);
    const std::string shown = joined(m_path, name);
    UniqueFd fd(::openat(m_fd.get(), n.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) {
        int err = errno;
        struct stat st {};
        if (::fstatat(m_fd.get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            return refused(shown, "is a symbolic link", core::Scope::Run);
        return file_error(err, "cannot create", shown);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0 && !S_ISREG(st.st_mode))
        return refused(shown, "is not a regular file", core::Scope::Run);
    if ((st.st_mode & 077) != 0)
        (void)::fchmod(fd.get(), 0600);  // from a version that made it 0644
    return fd;
}

namespace {

// realpath() of the longest existing prefix, then the rest as given ("." and ".." folded).
std::string resolved(const std::string& path) {
    std::string existing = path.empty() ? "." : path;
    std::string tail;
    for (;;) {
        if (char* r = ::realpath(existing.c_str(), nullptr)) {
            std::string out = r;
            std::free(r);
            size_t pos = 0;
            while (pos < tail.size()) {
                size_t slash = tail.find('/', pos);
                std::string c =
                    tail.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
                pos = slash == std::string::npos ? tail.size() : slash + 1;
                if (c.empty() || c == ".")
                    continue;
                if (c == "..") {
                    out.erase(out.rfind('/') == 0 ? 1 : out.rfind('/'));
                    continue;
                }
                out += (out == "/" ? "" : "/") + c;
            }
            return out;
        }
        if (existing == "." || existing == "/")
            return path;  // cannot resolve even the start (a removed working directory)
        size_t slash = existing.find_last_of('/');
        if (slash == std::string::npos) {
            tail = existing + (tail.empty() ? "" : "/" + tail);
            existing = ".";
        } else if (slash == 0) {
            tail = existing.substr(1) + (tail.empty() ? "" : "/" + tail);
            existing = "/";
        } else {
            tail = existing.substr(slash + 1) + (tail.empty() ? "" : "/" + tail);
            existing = existing.substr(0, slash);
        }
    }
}

}  // namespace

bool is_system_directory(const std::string& path) {
    static const char* kSystem[] = {"/",    "/bin",   "/boot",  "/dev",    "/etc",  "/home",
                                    "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/root",
                                    "/run", "/sbin",  "/sys",   "/usr",    "/var"};
    const std::string r = resolved(path);
    for (const char* s : kSystem) {
        // Resolved too: on merged-/usr systems /bin is a link to /usr/bin.
        if (r == s || r == resolved(s))
            return true;
    }
    if (const char* home = std::getenv("HOME"); home && *home && r == resolved(home))
        return true;
    return false;
}

}  // namespace imapmirror::store
