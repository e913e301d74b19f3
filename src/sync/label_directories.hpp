#pragma once
// Gmail single-instance mode, the mirror tree side: each message is archived once (from the
// \All folder), and each label's directory holds a hard link to the .eml of every message that
// has the label, so the tree still shows the account as the user sees it at no extra bytes.
// Where the file system refuses hard links (EXDEV, EPERM, EMLINK) the run says so once and
// makes copies instead, at most kMaxLabelCopies of one message (past ext4's 65,000 links to one
// file every further label would be a full copy); its further labels get no file, and the
// summary counts them (label_links_skipped). Each link is recorded (index label_links) before
// it is made, so a label removed on the server removes exactly its link, never a file the
// export did not make, and a run killed in between leaves a row the next run completes or
// removes. A file that an index row calls a message (a label folder's own archive, from
// --gmail-labels-as-folders) is never taken for a link, so never removed.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "index/archive_index.hpp"
#include "store/archive_root.hpp"
#include "store/label_link.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::sync {

inline constexpr size_t kMaxLabelCopies = 16;

// True for the folders single-instance mode downloads: \All (All Mail) and, because Gmail
// keeps them out of All Mail, \Junk and \Trash.
bool archived_once(std::string_view special_use);
inline bool archived_once(const index::FolderRecord& folder) {
    return archived_once(folder.special_use);
}

// The folder that shows `label` over IMAP, or nullptr (then the label is only in the index):
// "\Inbox" is INBOX, "\Sent", "\Draft", "\Starred" and "\Important" the folders with those
// special uses, a user label the folder of the same decoded name. Never a folder that is
// archived_once() or deleted.
const index::FolderRecord* folder_of_label(const std::string& label,
                                           const std::vector<index::FolderRecord>& folders);

// Makes every label directory match the index's labels: links added for new labels, removed
// for labels gone. A link that cannot be made is a Message error in `summary` and the rest go
// on; an error returned (the index, the disk) ends the run. `fs` as in store::link_or_copy.
core::Result<void> link_label_directories(const store::ArchiveRoot& root,
                                          index::ArchiveIndex& index, ExportSummary& summary,
                                          core::FileSystem& fs = core::posix_file_system());

}  // namespace imapmirror::sync
