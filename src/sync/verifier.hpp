#pragma once
// Checking an archive against its index, and optionally against the server.

#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"

namespace imapmirror::sync {

struct VerifyReport {
    uint64_t files_checked = 0;
    std::vector<std::string> missing;  // in the index, not on disk
    std::vector<std::string> changed;  // on disk with other bytes than the index recorded
    std::vector<std::string> extra;  // on disk, unknown to the index (temporary leftovers included)
    // With the server: per folder, "folder: UID n" entries.
    std::vector<std::string> not_archived;      // on the server, not in the archive
    std::vector<std::string> gone_from_server;  // archived as live, no longer on the server
    std::vector<std::string>
        epoch_changed;  // folders whose UIDVALIDITY changed since the last export
    bool server_checked = false;

    bool clean() const {
        return missing.empty() && changed.empty() && extra.empty() && not_archived.empty() &&
               gone_from_server.empty() && epoch_changed.empty();
    }
};

// Re-hashes every file the index of `root` lists and walks the tree for files it does not.
core::Result<VerifyReport> verify_files(const std::string& root);

// Adds the server comparison: for each live, selectable folder of the index, EXAMINE and
// UID SEARCH ALL against the archived UIDs of the current UIDVALIDITY.
core::Result<void> verify_against_server(const std::string& root, imap::Client& client,
                                         VerifyReport& report);

}  // namespace imapmirror::sync
