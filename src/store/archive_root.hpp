#pragma once
// The archive directory DIR, held open. Everything inside it is reached relative to that
// descriptor one component at a time with O_NOFOLLOW, so a symbolic link planted inside the
// archive (a folder directory replaced by a link to elsewhere) is refused, never followed.
// DIR itself may be a link: the user named it.
//
// Why a component walk and not openat2(RESOLVE_NO_SYMLINKS): the walk also creates missing
// directories (mkdirat, 0700), names the component that is a link, and runs on every kernel.

#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace imapmirror::store {

// In core, where auth's token store shares it; store's callers name it store::UniqueFd.
using core::UniqueFd;

// Opens the directory `relative` ("a/b/c", no "." or ".." components) beneath the directory
// `base_fd`, creating missing components with mode 0700 when `create`. Never follows a link:
// a component that is a symbolic link or not a directory is an error of scope Folder naming
// `shown_base`/component; other failures (permissions, disk full) are of scope Run.
core::Result<UniqueFd> open_directory_beneath(int base_fd, std::string_view relative, bool create,
                                              std::string_view shown_base);

class ArchiveRoot {
  public:
    // Opens DIR, creating it and its parents (0700) when missing.
    static core::Result<ArchiveRoot> open(const std::string& path);

    // See open_directory_beneath.
    core::Result<UniqueFd> open_directory(std::string_view relative, bool create) const {
        return open_directory_beneath(m_fd.get(), relative, create, m_path);
    }
    // Opens (creating 0600) the regular file `name` directly in DIR for reading and writing;
    // refuses a symbolic link (scope Run, naming it). Tightens an existing file to 0600.
    core::Result<UniqueFd> open_private_file(std::string_view name) const;

    int fd() const { return m_fd.get(); }
    const std::string& path() const { return m_path; }

  private:
    ArchiveRoot(UniqueFd fd, std::string path) : m_fd(std::move(fd)), m_path(std::move(path)) {}
    UniqueFd m_fd;
    std::string m_path;
};

// True when `path` (resolved: symbolic links, "..", a missing tail) is the root directory, a
// system directory (/bin, /boot, /dev, /etc, /home, /lib*, /proc, /root, /run, /sbin, /sys, /usr,
// /var) or $HOME itself: an archive there would mix mail into, or replace parts of, the system.
// Directories below them are fine.
bool is_system_directory(const std::string& path);

}  // namespace imapmirror::store
