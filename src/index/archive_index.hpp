#pragma once
// The archive's index (DIR/index.sqlite): schema migrations and every read and write the
// exporter and the commands need. Rows are written only after their files are durable.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "index/database.hpp"
#include "index/message_row.hpp"

namespace imapmirror::index {

struct FolderRecord {
    int64_t id = 0;
    std::string name, raw_name, path, special_use;
    std::optional<char> delimiter;
    bool selectable = true;
    bool deleted = false;  // gone from the server (deleted_at set)
    std::optional<uint32_t> uidvalidity, uidnext;
    std::optional<uint64_t> highestmodseq, server_messages;
    // The server's reply when it last refused to EXAMINE this folder (see schema/003).
    std::optional<std::string> examine_refused;
};

struct ThreadMessage {
    std::string date, from_addr, subject, folder, path, message_id;
};
struct ThreadView {
    int64_t id = 0;
    std::string subject, first_date, last_date;
    std::vector<ThreadMessage> messages;  // oldest first
};

// An archived message of an older UIDVALIDITY epoch, for re-mapping after a reset.
struct EpochCandidate {
    int64_t id = 0;
    uint64_t size = 0;
    std::string header_sha256;
};

// An archived message's flags and Gmail labels as the index stores them.
struct StoredState {
    uint32_t uid = 0;
    std::string flags;
    std::vector<std::string> labels;  // sorted, each once
};

// A file the index says the archive holds.
struct ArchivedFile {
    std::string path, sha256;
    uint64_t size = 0;
    bool attachment = false;
};

// A file the export made in a label directory (schema 007, label_links).
struct LabelLink {
    std::string path;  // relative to the archive root
    int64_t message_id = 0;
    bool copied = false;  // a copy, where a hard link was refused
};

struct RunCounts {
    uint64_t folders = 0, messages = 0, bytes = 0, attachments = 0, errors = 0;
};

// How a run ended (schema/010_run_outcome.sql): the exit code and, unless it is 0, the error
// that decided it. Texts are stored as given: the caller passes them without secrets.
struct RunOutcome {
    int exit_code = 0;
    std::string error_kind;     // "" for none
    std::string error_message;  // the one line printed on stderr; "" for none
    std::string server_reply;   // "" for none
};

class ArchiveIndex {
  public:
    // Opens or creates `path` and applies pending migrations (PRAGMA user_version; a migration
    // may be conditional on a missing column, see schema/README.md). A newer schema than this
    // binary knows is a Corrupt error (upgrade imapmirror).
    static core::Result<ArchiveIndex> open(const std::string& path);
    // Opens an existing archive's index; NotFound when there is none.
    static core::Result<ArchiveIndex> open_existing(const std::string& path);
    // Opens an existing archive's index read-only, as it is: nothing created, migrated or
    // written (for `export --dry-run`). Only reads work. A schema newer than this binary knows
    // is Corrupt as with open(); one older than kOldestReadable (whose folders() columns are
    // missing) is a Usage error saying to run an export once.
    static core::Result<ArchiveIndex> open_read_only(const std::string& path);
    static constexpr int64_t kOldestReadable = 3;

    core::Result<std::vector<FolderRecord>> folders();
    // Inserts a folder by raw_name, or updates its name/attributes; its path never changes
    // once set. Returns the id.
    core::Result<int64_t> upsert_folder(const FolderRecord& folder);
    // Records (or, with nullopt, clears) that the server refused to EXAMINE the folder.
    core::Result<void> set_examine_refused(int64_t folder_id, std::optional<std::string> reply);

    core::Result<void> record_folder_sync(int64_t folder_id, const FolderRecord& state);

    // UIDs of the folder's archived, not expunged messages of this UIDVALIDITY, ascending.
    core::Result<std::vector<uint32_t>> live_uids(int64_t folder_id, uint32_t uidvalidity);
    // The flags and labels of the folder's live messages of this UIDVALIDITY whose UID lies in
    // [lo, hi], by UID ascending.
    core::Result<std::vector<StoredState>> stored_states(int64_t folder_id, uint32_t uidvalidity,
                                                         uint32_t lo, uint32_t hi);
    // Sets flags of archived messages (one transaction); returns how many changed.
    core::Result<uint64_t> update_flags(int64_t folder_id, uint32_t uidvalidity,
                                        const std::vector<std::pair<uint32_t, std::string>>& flags);
    // Sets the Gmail labels of archived messages (by UID; one transaction), replacing what was
    // stored; returns how many messages' labels changed. Unknown UIDs are ignored.
    core::Result<uint64_t> update_labels(
        int64_t folder_id, uint32_t uidvalidity,
        const std::vector<std::pair<uint32_t, std::vector<std::string>>>& labels);
    // (A label's messages, one label at a time: index/label_reads.hpp.)
    // The files the export made in label directories, ordered by path.
    core::Result<std::vector<LabelLink>> label_links();
    core::Result<void> add_label_link(const LabelLink& link);
    core::Result<void> remove_label_link(const std::string& path);
    // Marks messages expunged on the server (their files stay).
    core::Result<void> mark_expunged(int64_t folder_id, uint32_t uidvalidity,
                                     const std::vector<uint32_t>& uids);
    // Marks rows (by id) expunged.
    core::Result<void> mark_rows_expunged(const std::vector<int64_t>& ids);
    // Marks a folder gone from the server, and its live messages expunged.
    core::Result<void> mark_folder_deleted(int64_t folder_id);
    // Live messages of the folder from UIDVALIDITY epochs other than `uidvalidity`.
    core::Result<std::vector<EpochCandidate>> other_epoch_messages(int64_t folder_id,
                                                                   uint32_t uidvalidity);
    // Moves matched rows to the new epoch: (row id, new uid) pairs, one transaction.
    core::Result<void> remap(uint32_t uidvalidity,
                             const std::vector<std::pair<int64_t, uint32_t>>& rows);

    // Every message, .msg, attachment and label-link file the index knows (expunged messages
    // included: their files are kept). An attachment stored "none" (--attachments none) has no
    // file and is not listed: its .eml holds it.
    core::Result<std::vector<ArchivedFile>> archived_files();
    // attachments.storage (schema/015) of each row's file (by its path), in one transaction.
    core::Result<void> set_attachment_storage(const std::vector<AttachmentRecord>& rows);
    // Messages (id, .eml path) with an attachment stored "none" (--attachments none), id
    // above `after_id`, in id order, at most `limit`.
    struct Unextracted {
        int64_t id;
        std::string path;
    };
    core::Result<std::vector<Unextracted>> messages_with_unextracted_attachments(int64_t after_id,
                                                                                 size_t limit);

    // Messages archived in a folder (any UIDVALIDITY, expunged ones excluded).
    core::Result<uint64_t> message_count(int64_t folder_id);

    // Highest archived UID for (folder, uidvalidity), 0 when none.
    core::Result<uint32_t> max_uid(int64_t folder_id, uint32_t uidvalidity);

    // One transaction; a (folder, uidvalidity, uid) already present is left as it is. Every
    // column of kMessageColumns and core::kHeaderFields is written, and archived_at; the
    // message's `bodies` row when it has one, and its full-text entry (schema/006).
    core::Result<void> insert_messages(const std::vector<MessageRecord>& batch);

    // For `reindex`: up to `limit` messages without a `bodies` row, lowest id first, after
    // `after_id`.
    struct Unread {
        int64_t id = 0;
        std::string path;
    };
    core::Result<std::vector<Unread>> messages_without_body(int64_t after_id, size_t limit);
    // How many messages have no `bodies` row.
    core::Result<uint64_t> count_without_body();
    // Stores bodies read by `reindex` and renews those messages' full-text entries, in one
    // transaction (a message already with a body is left as it is).
    core::Result<void> store_bodies(const std::vector<std::pair<int64_t, BodyRecord>>& bodies);
    // Attachment text (schema 014). The attachments of a message that have no
    // `attachment_texts` row yet, for `export` and `reindex`: up to `limit` messages, lowest id
    // first, after `after_id`.
    struct UnreadAttachments {
        int64_t message_id = 0;
        std::string path;  // the message's .eml, relative to DIR
        std::vector<AttachmentTextKey> attachments;
    };
    core::Result<std::vector<UnreadAttachments>> messages_without_attachment_text(int64_t after_id,
                                                                                  size_t limit);
    // How many messages have an attachment without a text row.
    core::Result<uint64_t> count_without_attachment_text();
    // Stores the text of each message's attachments (an attachment that already has a row is
    // left as it is) and renews those messages' full-text entries, in one transaction.
    core::Result<void> store_attachment_texts(
        const std::vector<std::pair<int64_t, std::vector<AttachmentTextRecord>>>& texts);
    // Forgets every body (for `reindex --all`) and rebuilds the full-text index from headers
    // and attachment names, in one transaction.
    core::Result<void> forget_bodies();

    // For `export --msg` (schema 008): up to `limit` messages with no .msg (msg_path NULL) and
    // not recorded as not convertible (schema 011), expunged ones included (their .eml is
    // kept), lowest id first, with ids in (after_id, up_to].
    struct WithoutMsg {
        int64_t id = 0;
        std::string path;  // the .eml, relative to the archive root
    };
    core::Result<std::vector<WithoutMsg>> messages_without_msg(int64_t after_id, int64_t up_to,
                                                               size_t limit);
    // Records .msg files written for archived messages (msg_path, msg_sha256, msg_size), or
    // why none can be (msg_unconvertible), in one transaction.
    struct MsgFile {
        int64_t id = 0;
        std::string path, sha256;
        uint64_t size = 0;
        std::string unconvertible;  // set instead of path, sha256 and size
    };
    core::Result<void> set_msg_files(const std::vector<MsgFile>& files);
    // The highest message id, 0 when there is none.
    core::Result<int64_t> max_message_id();

    // True when some message has no thread yet (new rows, or a run that ended before threading).
    core::Result<bool> needs_threading();
    // Recomputes threads over every message of the archive, and records their keys
    // (thread_upkeep.hpp). Holds every message's identifiers in memory: for what moves rows
    // between threads; new mail takes thread_new_messages.
    core::Result<void> rebuild_threads();
    // Threads for the messages that have none, from the recorded keys (thread_upkeep.hpp):
    // work and memory grow with the new messages, not with the archive.
    core::Result<void> thread_new_messages();
    // Merges each full-text table into one segment (FTS5 'optimize'): searches read fewer
    // segments. A pass over the whole full-text index; see sync/search_upkeep.hpp for when.
    core::Result<void> merge_search_index();

    // Threads (newest activity first) with their messages; only threads with a message in
    // `folder` (decoded name) when it is not empty.
    core::Result<std::vector<ThreadView>> threads(const std::string& folder, size_t limit);

    core::Result<int64_t> begin_run(std::string_view mode);
    core::Result<void> finish_run(int64_t run_id, const RunCounts& counts,
                                  const RunOutcome& outcome);

    Database& db() { return m_db; }

  private:
    explicit ArchiveIndex(Database db) : m_db(std::move(db)) {}
    core::Result<void> migrate();

    Database m_db;
    std::optional<Statement> m_insert_message, m_insert_attachment, m_insert_body, m_insert_fts;
    std::optional<Statement> m_read_search_row, m_delete_cjk, m_insert_cjk;
    // The statements that write a message's `bodies` row and full-text entry.
    core::Result<void> prepare_body_statements();
    core::Result<void> insert_body(int64_t message, const BodyRecord& body);
    // The message's messages_cjk row (schema 013) made again from what messages_fts reads.
    core::Result<void> index_cjk(int64_t message);
};

// Current time, ISO 8601 UTC.
std::string now_iso8601();

}  // namespace imapmirror::index
