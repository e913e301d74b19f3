#pragma once
// What the label phase (sync/label_directories) reads, one label directory at a time, so that
// what it holds grows with the largest label, not with the archive (a million messages with
// two labels each were a few hundred megabytes read at once).

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "index/archive_index.hpp"

namespace imapmirror::index {

// Every label the index knows (labels.name), messages or not.
core::Result<std::vector<std::string>> label_names(ArchiveIndex& index);

// The directories (relative to the archive root, no trailing '/') that hold label_links rows.
core::Result<std::vector<std::string>> label_link_directories(ArchiveIndex& index);

// The label_links rows directly in `directory` (not in one below it), ordered by path.
core::Result<std::vector<LabelLink>> label_links_in(ArchiveIndex& index,
                                                    const std::string& directory);

// The live (not expunged) messages with the label `label`: (id, .eml path), ordered by id.
core::Result<std::vector<std::pair<int64_t, std::string>>> messages_labelled(
    ArchiveIndex& index, const std::string& label);

// Per message, how many of its label links are copies (usually none: only where hard links
// are refused).
core::Result<std::map<int64_t, size_t>> copied_links_per_message(ArchiveIndex& index);

}  // namespace imapmirror::index
