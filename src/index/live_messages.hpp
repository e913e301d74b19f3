#pragma once
// The live messages of a folder (not expunged), with what `dump` writes beside their bytes:
// read-only, from an index opened with ArchiveIndex::open_read_only.

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "index/archive_index.hpp"

namespace imapmirror::index {

struct LiveMessage {
    uint32_t uidvalidity = 0, uid = 0;
    std::string flags;          // as on the server: '\Seen \Answered $Important'
    std::string internal_date;  // ISO 8601 UTC; "" when unknown
    std::string from_addr;      // decoded From header; "" when absent
    std::string path;           // the .eml, relative to the archive root
    uint64_t size = 0;
};

// The folder's messages whose deleted_at is NULL, by (uidvalidity, uid).
core::Result<std::vector<LiveMessage>> live_messages(ArchiveIndex& index, int64_t folder_id);

}  // namespace imapmirror::index
