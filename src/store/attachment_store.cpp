#include "store/attachment_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "store/atomic_file.hpp"
#include "store/mirror_layout.hpp"

namespace imapmirror::store {

using core::Result;

namespace {

bool is_hex(std::string_view s) {
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return !s.empty();
}

// The store's sub-directory for a hash ("ab"), relative to DIR.
std::string sub_directory(std::string_view sha256) {
    return std::string(kAttachmentStoreDir) + "/" + std::string(sha256.substr(0, 2));
}

}  // namespace

std::string_view storage_name(AttachmentStorage storage) {
    switch (storage) {
        case AttachmentStorage::Link:
            return "link";
        case AttachmentStorage::Copy:
            return "copy";
        case AttachmentStorage::None:
            return "none";
    }
    return "copy";
}

std::string attachment_store_path(std::string_view sha256) {
    return sub_directory(sha256) + "/" + std::string(sha256);
}

bool in_attachment_store(std::string_view relative) {
    return relative.size() > kAttachmentStoreDir.size() &&
           relative.substr(0, kAttachmentStoreDir.size()) == kAttachmentStoreDir &&
           relative[kAttachmentStoreDir.size()] == '/';
}

std::string store_file_sha256(std::string_view relative) {
    if (!in_attachment_store(relative))
        return "";
    std::string_view rest = relative.substr(kAttachmentStoreDir.size() + 1);
    if (rest.size() != 2 + 1 + 64 || rest[2] != '/')
        return "";
    std::string_view sha = rest.substr(3);
    if (!is_hex(sha) || sha.substr(0, 2) != rest.substr(0, 2))
        return "";
    return std::string(sha);
}

Result<AttachmentStore> AttachmentStore::open(const std::string& root, core::FileSystem& fs) {
    IMM_ASSIGN(auto r, ArchiveRoot::open(root));
    return AttachmentStore(std::move(r), fs);
}

bool AttachmentStore::link_existing(std::string_view sha256, uint64_t size,
                                    const std::string& dest) const {
    if (sha256.size() != 64 || !is_hex(sha256))
        return false;
    auto dir = m_root.open_directory(sub_directory(sha256), false);
    if (!dir)
        return false;
    const std::string name(sha256);
    struct stat st {};
    if (::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != size)
        return false;
    return m_fs->link_at(dir->get(), name.c_str(), AT_FDCWD, dest.c_str(), 0) == 0;
}

Result<AttachmentStorage> AttachmentStore::adopt(std::string_view sha256, uint64_t size,
                                                 const std::string& file) const {
    if (sha256.size() != 64 || !is_hex(sha256))
        return AttachmentStorage::Copy;
    const SplitPath where = split_path(file);
    UniqueFd parent;
    if (where.dir.empty()) {
        parent = UniqueFd(::fcntl(m_root.fd(), F_DUPFD_CLOEXEC, 0));
    } else {
        IMM_ASSIGN(parent, m_root.open_directory(where.dir, false));
    }
    struct stat mine {};
    if (::fstatat(parent.get(), where.name.c_str(), &mine, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(mine.st_mode))
        return file_error(errno ? errno : EINVAL, "cannot read", m_root.path() + "/" + file);
    IMM_ASSIGN(auto store, m_root.open_directory(sub_directory(sha256), true));
    const std::string name(sha256);
    for (int attempt = 0; attempt < 2; ++attempt) {
        struct stat kept {};
        if (::fstatat(store.get(), name.c_str(), &kept, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT)
                return AttachmentStorage::Copy;
            // The store has none: this file becomes the store's (its data is durable already).
            // Not synced: a store name lost in a crash costs deduplication, never mail.
            if (m_fs->link_at(parent.get(), where.name.c_str(), store.get(), name.c_str(), 0) == 0)
                return AttachmentStorage::Link;
            if (errno == EEXIST)
                continue;  // another worker gave it one just now: link to that
            return AttachmentStorage::Copy;
        }
        if (kept.st_dev == mine.st_dev && kept.st_ino == mine.st_ino)
            return AttachmentStorage::Link;
        if (!S_ISREG(kept.st_mode) || static_cast<uint64_t>(kept.st_size) != size)
            return AttachmentStorage::Copy;  // a damaged store file: verify reports it
        // Another inode with these bytes: this copy becomes a link to it.
        static std::atomic<unsigned> counter{0};
        const std::string temp = std::string(kTempPrefix) + "link-" + std::to_string(::getpid()) +
                                 "-" + std::to_string(counter++);
        if (m_fs->link_at(store.get(), name.c_str(), m_root.fd(), temp.c_str(), 0) != 0)
            return AttachmentStorage::Copy;  // EMLINK: 65,000 links to this one already
        if (m_fs->rename_at(m_root.fd(), temp.c_str(), parent.get(), where.name.c_str(), 0) != 0) {
            (void)m_fs->unlink_at(m_root.fd(), temp.c_str(), 0);
            return AttachmentStorage::Copy;
        }
        return AttachmentStorage::Link;
    }
    return AttachmentStorage::Copy;
}

}  // namespace imapmirror::store
