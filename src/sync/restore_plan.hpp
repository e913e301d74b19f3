#pragma once
// `restore`'s planner: which archived messages go into which folder of the target server, and
// which are there already, decided without writing anything (restore_apply.hpp applies it,
// `restore --dry-run` prints it). Like run_plan for the export, every type here is plain data.
//
// Folder names. An archived folder's decoded name, split at the archive's delimiter, becomes
// the target's: --folder-map OLD=NEW first (the longest OLD that is the name or one of its
// parents), else, without --into, the target folder with the same special-use attribute
// (RFC 6154: the archive's \Sent goes to the target's \Sent whatever either is called), else
// the same name; --into PREFIX puts it below PREFIX; the target's personal namespace prefix
// (Courier's "INBOX.") is added where the server has one. Components are joined with the
// target's delimiter and sent in modified UTF-7, or as UTF-8 where the target enabled
// UTF8=ACCEPT (RFC 6855; TargetView::utf8). A component holding the target's delimiter
// cannot be named there: that folder is an error of its own (use --folder-map).
//
// Messages. A message recorded as restored into that target folder is skipped, as long as
// the folder's UIDVALIDITY is the one recorded; one recorded as 'appending' (a run was killed
// before the server's answer), a folder whose UIDVALIDITY changed since, or any message on a
// server without UIDPLUS, is first looked for on the target (Message-ID and size); the rest is
// appended. A record made under the folder's modified UTF-7 name counts for its UTF-8 name
// (a target that enabled UTF8=ACCEPT since). Each folder carries the largest message it takes
// (APPENDLIMIT: the server's, or the folder's own from STATUS, the smaller of the two).
//
// Gmail labels (doc/restore.md).
// - Into a Gmail target (X-GM-EXT-1 and a \All folder): each message is appended once, into
//   All Mail, and its labels are added with `UID STORE +X-GM-LABELS`, never a copy per label.
//   A Gmail archive's messages keep their labels (schema 007); a message of any other folder
//   gets that folder as its label (INBOX \Inbox, \Sent \Sent, \Drafts \Draft, \Flagged
//   \Starred, \Important \Important, \All and \Archive none, else the folder's target name,
//   --folder-map and --into applied); a message held by several folders (same SHA-256) is
//   appended once with all their labels. \Junk and \Trash go to the target's by special use,
//   unlabelled. A label recorded as applied (schema 016) is not stored again; one missing on a
//   message already restored is stored on its recorded UID (a run killed between APPEND and
//   STORE).
// - From a Gmail archive into another server, the messages of its \All folder: with
//   LabelsAs::Folders (the default) one copy in the folder of each label (\Inbox to INBOX,
//   \Sent, \Draft, \Starred, \Important to the target's folder of that special use, else
//   "Sent", "Drafts", "Starred", "Important"; user labels by name, '/' their hierarchy), and
//   a message with no label into kUnlabelledFolder (the target's \Archive folder where it has
//   one); with LabelsAs::Keywords one copy where the folder itself goes, each label a keyword
//   (label_keyword).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/account_identity.hpp"
#include "index/archive_index.hpp"
#include "index/restore_log.hpp"
#include "sync/folder_selection.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::sync {

enum class LabelsAs { Folders, Keywords };

// Where a Gmail archive's messages without any label go on a server without labels.
inline constexpr const char* kUnlabelledFolder = "Archive";

struct RestoreOptions {
    std::string root;                  // DIR
    std::vector<std::string> include;  // globs on the archive's decoded folder names
    std::vector<std::string> exclude;
    // OLD=NEW: the archive's folder OLD (and those below it) into NEW on the target; decoded
    // names, OLD with the archive's delimiter, NEW with the target's.
    std::vector<std::pair<std::string, std::string>> folder_map;
    std::string into;                        // --into PREFIX (the target's delimiter), "" for none
    bool include_deleted = false;            // also messages archived as expunged
    index::AccountIdentity target;           // the target account, as the index records restores
    LabelsAs labels_as = LabelsAs::Folders;  // a Gmail archive into a server without labels
    size_t connections = 4;  // --connections: folders restored in parallel, one connection each
};

// --folder-map's OLD=NEW entries as RestoreOptions::folder_map; a Usage error naming the first
// that is not OLD=NEW with neither side empty.
core::Result<std::vector<std::pair<std::string, std::string>>> parse_folder_map(
    const std::vector<std::string>& entries);

// The target server as LIST, STATUS and NAMESPACE showed it.
struct TargetFolder {
    std::string name, raw_name;  // decoded; as sent
    std::optional<char> delimiter;
    std::string special_use;  // "\\Sent" etc., or ""
    std::optional<uint32_t> uidvalidity;
    std::optional<uint64_t> append_limit;  // STATUS APPENDLIMIT (RFC 7889 section 3.2)
};
struct TargetView {
    std::vector<TargetFolder> folders;
    std::optional<char> delimiter;  // the hierarchy delimiter (NIL: a flat namespace)
    std::string personal_prefix;    // NAMESPACE's personal prefix ("INBOX." on Courier), or ""
    bool uidplus = false;
    std::optional<uint64_t> append_limit;  // APPENDLIMIT=n: every folder's
    bool gmail = false;                    // X-GM-EXT-1 and a \All folder: labels, not folders
    bool utf8 = false;  // UTF8=ACCEPT enabled: names are sent as UTF-8, not modified UTF-7
};

// The archive as the index has it.
struct ArchiveView {
    std::vector<index::FolderRecord> folders;
    std::vector<index::RestorableMessage> messages;  // by folder
    std::vector<index::RestoreRecord> records;       // of this target
    std::vector<index::LabelRecord> labels;          // every message's Gmail labels
    std::vector<index::LabelRecord> applied;         // labels restored on this target
};

// A message already restored whose Gmail labels are not all stored yet.
struct Relabel {
    int64_t message_id = 0;
    uint32_t uid = 0;  // where the restore log says it is
};

// One archived folder's restore.
struct FolderRestore {
    int64_t archive_folder_id = 0;
    std::string archive_name;  // decoded
    std::string target_name;   // decoded, with the target's delimiter
    std::string target_raw;    // as sent
    bool create = false;       // not on the target yet
    std::optional<uint32_t> target_uidvalidity;
    // The largest message the folder takes (the smaller of the server's APPENDLIMIT=n and the
    // folder's STATUS APPENDLIMIT), or nullopt for no limit. A larger one is refused unsent.
    std::optional<uint64_t> append_limit;
    std::vector<index::RestorableMessage> to_check;   // looked for on the target first
    std::vector<index::RestorableMessage> to_append;  // sent without a look
    uint64_t bytes = 0;                               // of to_check and to_append
    uint64_t already = 0;                             // recorded as restored there
    // Gmail target: the labels still to store, by archived message id (messages to check, to
    // append, or to_label), and the messages whose labels alone are missing.
    std::map<int64_t, std::vector<std::string>> labels;
    std::vector<Relabel> to_label;
    // The folder cannot be restored (its name has no form on the target): nothing is sent.
    std::optional<core::Error> error;
};

struct RestorePlan {
    std::vector<FolderRestore> folders;  // archive folders with messages, selected, in order
    std::vector<UnmatchedPattern> unmatched;
    uint64_t messages() const;  // to check and to append
    uint64_t bytes() const;
};

// The name an archived folder gets on the target: decoded and as sent, or why it has none.
// Pure.
core::Result<std::pair<std::string, std::string>> target_folder_name(
    const index::FolderRecord& folder, const TargetView& target, const RestoreOptions& options);

// A Gmail label as an IMAP keyword (--labels-as keywords): a system label "\\X" as "$X"
// ("$Important" is RFC 8457's), a user label in modified UTF-7 with every character an atom
// cannot hold ("(){ %*\"\\]" and controls) as '_': "Projekte/Ärger" -> "Projekte/&AMQ-rger".
// Pure.
std::string label_keyword(const std::string& label);

// Decides the whole restore. Pure.
RestorePlan plan_restore(const ArchiveView& archive, const TargetView& target,
                         const RestoreOptions& options);

// Reads the archive's side (folders, messages, this target's records) from the index.
core::Result<ArchiveView> read_archive(index::ArchiveIndex& index, const RestoreOptions& options);

// Reads the target's side: LIST with STATUS (UIDVALIDITY, and APPENDLIMIT where announced),
// NAMESPACE where the server has it, and the capabilities. Changes nothing on the server;
// first enables UTF8=ACCEPT on the session where the target announces it (not on Gmail, whose
// labels stay in modified UTF-7), so every name after it is UTF-8.
core::Result<TargetView> read_target(imap::Client& client);

// Everything a restore, its dry run and its check start from: the archive, a logged-in
// connection to the target, what it showed, and the plan.
struct PlannedRestore {
    ArchiveView archive;
    std::unique_ptr<imap::Client> client;
    TargetView target;
    RestorePlan plan;
};
core::Result<PlannedRestore> plan_against_target(index::ArchiveIndex& index,
                                                 const RestoreOptions& options,
                                                 const ConnectFn& connect);

}  // namespace imapmirror::sync
