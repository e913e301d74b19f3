#pragma once
// Identical attachments stored once: a content-addressed store inside the archive,
//
//   DIR/.attachments-store/<first two hex digits>/<SHA-256 of the decoded bytes>
//
// and each message's attachment file (DIR/<folder>/<base>.attachments/<name>) a hard link to
// the store's file. Where the file system refuses a link (EXDEV, EMLINK at ext4's 65,000 links,
// no hard links at all) the message keeps a file of its own: a copy. The index says which
// (attachments.storage, schema/015). The name begins with '.', which no folder directory does
// (sanitize_component), and mirror_layout keeps folders off it besides.
//
// Nothing here removes a store file. A store file that no message links (an index refused its
// batch, a message expunged and dropped) is harmless: a later message with the same bytes links
// it. The store is never the only copy a message depends on: every message's path is a name
// of the bytes, so a lost store name costs deduplication, not mail.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/file_system.hpp"
#include "store/archive_root.hpp"
#include "store/label_link.hpp"

namespace imapmirror::store {

inline constexpr std::string_view kAttachmentStoreDir = ".attachments-store";

// How a message's attachment is on disk (attachments.storage).
enum class AttachmentStorage { Link, Copy, None };
std::string_view storage_name(AttachmentStorage storage);

// ".attachments-store/ab/abcdef..." for a SHA-256 in lower-case hex (64 digits).
std::string attachment_store_path(std::string_view sha256);
// True for a path (relative to DIR) inside the store.
bool in_attachment_store(std::string_view relative);
// For a store path: the SHA-256 its name claims, or "" when the name is not one of the store's
// (two hex digits / 64 hex digits beginning with them).
std::string store_file_sha256(std::string_view relative);

class AttachmentStore {
  public:
    // `root`: the archive directory. Links, renames and removals go through `fs` (which must
    // outlive the store); tests pass one whose links are refused, as file systems without hard
    // links do.
    static core::Result<AttachmentStore> open(const std::string& root,
                                              core::FileSystem& fs = core::posix_file_system());

    // Makes `dest` (an absolute path that does not exist yet) a hard link to the store's file
    // for `sha256` when the store holds a regular file of `size` bytes there. False when it does
    // not, or the link is refused: the caller then writes the bytes itself.
    bool link_existing(std::string_view sha256, uint64_t size, const std::string& dest) const;

    // `file` (relative to the root) holds the decoded bytes of `sha256` (`size` bytes) and is
    // durable under that final name. Where the store has no file for them, `file` becomes it
    // (a second name); where the store has one of the same size and another inode, `file` is
    // replaced by a link to it (a link under a temporary name in DIR, renamed over `file`: a
    // crash leaves either the copy or the link, both whole). Returns Link when `file` is then
    // the store's file, Copy when the file system refused (the copy stays, complete). Only an
    // unreadable archive directory is an error.
    core::Result<AttachmentStorage> adopt(std::string_view sha256, uint64_t size,
                                          const std::string& file) const;

  private:
    AttachmentStore(ArchiveRoot root, core::FileSystem& fs) : m_root(std::move(root)), m_fs(&fs) {}
    ArchiveRoot m_root;
    core::FileSystem* m_fs;
};

}  // namespace imapmirror::store
