#pragma once
// A second name in the mirror tree for a file the archive already holds: Gmail's label
// directories show each message where the user sees it without storing its bytes again.

#include <string>

#include "core/error.hpp"
#include "core/file_system.hpp"
#include "store/archive_root.hpp"

namespace imapmirror::store {

enum class LinkMade {
    Linked,   // a hard link: the same inode, no extra bytes
    Copied,   // the file system refused a hard link (EXDEV, EPERM, EMLINK): a copy, made
              // atomically (temporary name, fsync, rename)
    Present,  // the name already held that file (same inode) or the same bytes: adopted
    NotMade   // a hard link was refused and `copies` said not to copy: nothing made
};

enum class Copies { Allowed, Refused };

struct LinkResult {
    LinkMade made = LinkMade::Linked;
    int refused_errno = 0;  // for Copied: why the hard link was refused
};

// Gives the file `existing` a second name `link` (both relative to `root`, no "." or ".."
// components); the link's directory is created (0700) when missing. Never follows a symbolic
// link in either path (see ArchiveRoot) and never replaces a file: a name that holds other
// bytes is an error of scope Message naming it.
// The link, and a copy's writes and rename, go through `fs`; tests pass one whose links are
// refused, as file systems without hard links do. With Copies::Refused a refused hard link
// makes nothing (LinkMade::NotMade): the caller's bound on copies of one message.
core::Result<LinkResult> link_or_copy(const ArchiveRoot& root, const std::string& existing,
                                      const std::string& link,
                                      core::FileSystem& fs = core::posix_file_system(),
                                      Copies copies = Copies::Allowed);

// Removes the name `link` (relative to `root`) made by link_or_copy; a name already gone is
// fine. The directory stays, even when empty (a label with no messages is still a label).
core::Result<void> remove_link(const ArchiveRoot& root, const std::string& link,
                               core::FileSystem& fs = core::posix_file_system());

}  // namespace imapmirror::store
