#pragma once
// Which message a file of the archive belongs to, for `verify --repair`, which needs a damaged
// file's folder, epoch and UID.

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "index/archive_index.hpp"

namespace imapmirror::index {

struct FileOwner {
    int64_t folder_id = 0;
    uint32_t uidvalidity = 0, uid = 0;
    std::string eml_path, eml_sha256;  // the message's .eml and the SHA-256 it must have
    std::string sha256;                // the SHA-256 the file asked about must have
    bool expunged = false;             // deleted_at set: no longer on the server
    bool attachment = false;           // the file is one of its attachment files
};

// The message whose .eml is at `path` (relative to the root), or that owns the attachment file
// at `path`; nullopt when neither (a .msg, a label link, an unknown path).
core::Result<std::optional<FileOwner>> file_owner(ArchiveIndex& index, const std::string& path);

}  // namespace imapmirror::index
