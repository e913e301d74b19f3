#pragma once
// Which names in the mirror tree the index holds, for the writers that must never take or
// remove one of them (label links, the sweep of a killed run's temporaries).

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "index/archive_index.hpp"

namespace imapmirror::index {

// The files rows of the folder call its messages (each .eml and .msg; expunged messages
// included, as their files are kept), relative to the archive root.
core::Result<std::vector<std::string>> message_files(ArchiveIndex& index, int64_t folder_id);

// Every path the index names (messages, .msg files, attachments, label links) that contains
// `fragment`. A full scan: for rare checks.
core::Result<std::set<std::string>> archived_paths_containing(ArchiveIndex& index,
                                                              const std::string& fragment);

}  // namespace imapmirror::index
