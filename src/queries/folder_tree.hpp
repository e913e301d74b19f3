#pragma once
// What `folders` shows of the folder tree: its order and its totals.

#include <cstdint>
#include <vector>

#include "imap/client.hpp"

namespace imapmirror::queries {

// INBOX first, then by decoded name: stable output whatever order the server lists in.
void sort_folders(std::vector<imap::Folder>& folders);

struct FolderTotals {
    uint64_t messages = 0, unseen = 0;  // over the folders whose STATUS came back
};
FolderTotals totals(const std::vector<imap::Folder>& folders);

}  // namespace imapmirror::queries
