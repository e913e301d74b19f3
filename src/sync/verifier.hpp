#pragma once
// Checking an archive against its index, and optionally against the server.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/account_identity.hpp"

namespace imapmirror::sync {

struct VerifyReport {
    // The account the archive records (schema/009); none before its first export under it.
    std::optional<index::AccountIdentity> identity;
    uint64_t files_checked = 0;
    std::vector<std::string> missing;  // in the index, not on disk
    std::vector<std::string> changed;  // on disk with other bytes than the index recorded
    std::vector<std::string> extra;  // on disk, unknown to the index (temporary leftovers included)
    // Damaged copies `verify --repair` set aside (store/damaged_copy.hpp): listed, not a
    // difference; the user deletes them once the archive is whole again.
    std::vector<std::string> kept_aside;
    // With the server: per folder, "folder: UID n" entries.
    std::vector<std::string> not_archived;      // on the server, not in the archive
    std::vector<std::string> gone_from_server;  // archived as live, no longer on the server
    std::vector<std::string>
        epoch_changed;  // folders whose UIDVALIDITY changed since the last export
    std::vector<std::string> folders_not_archived;  // selectable on the server, never exported
    std::vector<std::string> unchecked;  // "folder: why": could not be compared with the server
    bool server_checked = false;

    bool clean() const {
        return missing.empty() && changed.empty() && extra.empty() && not_archived.empty() &&
               gone_from_server.empty() && epoch_changed.empty() && folders_not_archived.empty() &&
               unchecked.empty();
    }
};

// Which folders the server comparison covers (globs as for export --include/--exclude).
struct FolderFilter {
    std::vector<std::string> include, exclude;
};

// How far verify_files is: files re-hashed of those the index lists.
struct VerifyProgress {
    uint64_t done = 0, total = 0;
};

// Re-hashes every file the index of `root` lists and walks the tree for files it does not.
// `on_progress` (may be empty) is called after each file.
core::Result<VerifyReport> verify_files(
    const std::string& root, const std::function<void(const VerifyProgress&)>& on_progress = {});

// The server's UIDs of the folder just examined (`state`), cross-checked with its EXISTS: a UID
// SEARCH that disagrees (GNU imap4d) is replaced by a UID FETCH listing; when that disagrees
// too, the folder cannot be compared and nullopt is returned.
core::Result<std::optional<std::vector<uint32_t>>> server_uid_list(imap::Client& client,
                                                                   const imap::MailboxState& state);

// Adds the server comparison for the folders `filter` selects (the caller checks first that
// `client` is logged in to the archive's own account, see report.identity): every selectable folder
// on the server must be archived; for each live folder of the index, EXAMINE and the server's UIDs
// (UID SEARCH ALL, or a UID FETCH listing when that disagrees with EXISTS) against the
// archived UIDs of the current UIDVALIDITY. A folder that cannot be compared is reported in
// `unchecked`; only a broken session fails the call.
core::Result<void> verify_against_server(const std::string& root, imap::Client& client,
                                         const FolderFilter& filter, VerifyReport& report);

}  // namespace imapmirror::sync
