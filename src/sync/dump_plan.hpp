#pragma once
// `dump`, the deciding half: what makes the dump target PATH a view of the archive DIR in a
// format mail programs open (Maildir or mbox). plan_dump reads the index (read-only) and the
// target and writes nothing; sync/dumper.hpp's apply_dump does what the plan says.
//
// A Maildir dump holds one maildir per archive folder, nested as the archive's folder
// directories are (mbsync's `SubFolders Verbatim`, which notmuch, mu and neomutt read), each
// message as "<uidvalidity>-<uid>.imapmirror:2,FLAGS" in cur/ (store/maildir.hpp). Files of
// other names are never touched. An mbox dump holds one mboxrd file per folder, FOLDER.mbox,
// rewritten whole each run (store/mbox_writer.hpp).

#include <string>
#include <vector>

#include "core/error.hpp"
#include "index/live_messages.hpp"
#include "store/maildir.hpp"
#include "sync/folder_selection.hpp"

namespace imapmirror::sync {

enum class DumpFormat { Maildir, Mbox };

struct DumpOptions {
    std::string archive;  // DIR
    std::string target;   // PATH
    DumpFormat format = DumpFormat::Maildir;
    std::vector<std::string> include, exclude;  // folder_selection's globs
    bool mozilla_status = false;                // mbox: X-Mozilla-Status lines
};

struct MaildirAdd {
    index::LiveMessage message;
    std::string name;  // in cur/
};
struct MaildirRename {
    store::MaildirFile from;
    std::string to;  // in cur/
};

// What makes a maildir's files of ours equal to the folder's live messages.
struct MaildirChanges {
    std::vector<MaildirAdd> add;        // archived, not in the dump yet
    std::vector<MaildirRename> rename;  // there, under another name (flags changed, or in new/)
    std::vector<store::MaildirFile> remove;  // expunged since the last dump, or a second copy
    uint64_t unchanged = 0;
};

// Pure. For each live message: its file when `present` has one of its key (the one already
// under the right name in cur/ first), renamed when its name differs, else an add; every other
// file of `present` is removed.
MaildirChanges plan_maildir_folder(const std::vector<index::LiveMessage>& messages,
                                   const std::vector<store::MaildirFile>& present);

// One archive folder and what the dump does with it.
struct DumpFolder {
    std::string name;    // decoded folder name
    std::string target;  // relative to PATH: the maildir directory, or the .mbox file
    std::vector<index::LiveMessage> messages;  // live, by (uidvalidity, uid)
    MaildirChanges changes;                    // Maildir only
    bool vanished = false;  // gone from the server: its dump files are removed (Maildir)
};

struct DumpPlan {
    DumpFormat format = DumpFormat::Maildir;
    std::vector<DumpFolder> folders;
    std::vector<UnmatchedPattern> unmatched;  // --include/--exclude globs that match nothing
    std::vector<core::Error> skipped;         // folders left out (scope Folder), and why
};

// Refuses a target that is the archive, lies inside it, or holds it (a Usage error naming
// both); both are compared resolved (links, "..", a tail that does not exist yet).
core::Result<void> check_apart(const std::string& archive, const std::string& target);

// Reads DIR's index (read-only: nothing created, migrated or written) and the files of ours
// already in PATH. Errors: check_apart's; the index's (NotFound without one); no folder left
// by --include/--exclude (NothingSelected); reading PATH (Io, or a link on the way: Folder).
core::Result<DumpPlan> plan_dump(const DumpOptions& options);

}  // namespace imapmirror::sync
