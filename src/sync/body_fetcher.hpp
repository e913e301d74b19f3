#pragma once
// Downloads message bodies on one connection: pipelined UID FETCH batches, each body streamed
// to a temporary file (hashed on the way), its MIME parsed from that file for attachments,
// then per batch: one syncfs, renames, index rows (see exporter.hpp for the durability order).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/file_system.hpp"
#include "imap/client.hpp"
#include "index/archive_index.hpp"
#include "store/atomic_file.hpp"
#include "sync/attachment_writer.hpp"
#include "sync/body_receipt.hpp"
#include "sync/message_sink.hpp"
#include "sync/run_types.hpp"
#include "sync/shared_run.hpp"

namespace imapmirror::sync {

// One message's RFC822.SIZE, as the server announces it.
struct MessageSize {
    uint32_t uid = 0;
    uint64_t size = 0;
};

// The RFC822.SIZE of each of `uids` (sorted, unique) in the examined folder, in their order,
// without their bodies: `UID FETCH (UID RFC822.SIZE)` in sets short enough for any server.
// A UID the server does not answer for, or a set it refuses, counts as size 0. No UIDs: no
// command.
core::Result<std::vector<MessageSize>> message_sizes(imap::Client& client,
                                                     const std::vector<uint32_t>& uids);

class BodyFetcher {
  public:
    // For `folder`, which must be the examined folder, in epoch `uidvalidity`. `stop`: polled
    // between messages; when it says so, the fetch ends early (Cancelled) after committing
    // what is complete. The message and attachment files are written, synced and renamed
    // through `fs` (which must outlive the fetcher).
    BodyFetcher(imap::Client& client, SharedRun& run, const ExportOptions& options,
                const index::FolderRecord& folder, uint32_t uidvalidity, std::function<bool()> stop,
                core::FileSystem& fs = core::posix_file_system());

    // Archives `uids` (sorted, unique). Only those are accepted, each once: an unrequested or
    // repeated UID is recorded and ignored. A requested message that does not arrive, or that
    // the server refuses (a NO is narrowed down to the messages it concerns), is recorded and
    // counted in the returned number of failures; the next run asks for it again. A chunk
    // refused for now ([UNAVAILABLE], [LIMIT], a throttle, an unknown code) is asked for again
    // after a backoff, a few times; if it stays refused, it costs those messages only (one
    // Folder error, counted as failures), never the connection or the run. Archived
    // files are never replaced (other bytes for an archived name are kept beside it as a
    // conflict). Other errors end the fetch after reading what is in flight and committing
    // what is complete, so a retry fetches only the rest; when the session itself broke the
    // error is Session scope and the connection must not be used again.
    // With a byte budget (ExportOptions::max_bytes), only the messages that fit in what is left
    // of it are asked for (see within_budget); the others are deferred(), not failures.
    core::Result<size_t> fetch(const std::vector<uint32_t>& uids);

    // Messages of the last fetch() left for the next run because the budget was spent.
    size_t deferred() const { return m_deferred; }

    // The last throttling NO of the fetches ("" when none): the connection's owner may go on
    // with fewer connections. Each was counted (ExportSummary::throttled) and waited out.
    const std::string& throttled_reply() const { return m_throttled_reply; }

  private:
    // UIDs asked for in one UID FETCH; `part` when they are half of a refused chunk.
    struct Chunk {
        std::vector<uint32_t> uids;
        bool part = false;
    };
    struct Refused {
        Chunk chunk;  // its UIDs not yet settled
        imap::Completion answer;
    };
    // A refusal about the messages: halves into `next` (2 of `budget`), or, for one message or
    // with the budget spent, message errors.
    void narrow(std::vector<uint32_t> missing, const imap::Completion& answer, size_t& budget,
                std::vector<Chunk>& next);
    // Chunks refused for now (imap::temporary_refusal): after a pause, into `next` again, at
    // most kRetriesForNow times per fetch (`attempt`); then narrowed; parts refused again in a
    // round that got nothing through (`progress` false) are one Folder error. An error only
    // when the wait is cut short (Ctrl-C, the run ending).
    core::Result<void> refused_for_now(std::vector<Refused> refused, bool progress, int& attempt,
                                       size_t& budget, std::vector<Chunk>& next);
    static size_t count(const std::vector<Refused>& refused);

    // The leading part of `uids` (ascending) whose RFC822.SIZEs, asked for without bodies, the
    // run's budget can reserve, up to the first that does not fit; the rest are deferred.
    core::Result<std::vector<uint32_t>> within_budget(const std::vector<uint32_t>& uids);
    // One message's FETCH response: archive it (into the batch), or record why not. An error
    // ends the fetch (a local write failed, the run is stopping).
    core::Result<void> on_fetch(const imap::FetchData& f);
    core::Result<void> flush();
    // Whether `uid` arrived, or was recorded as refused: either way it is dealt with.
    // A Message-scope error about `uid` in this folder.
    core::Error about(uint32_t uid, core::ErrorKind kind, std::string what) const;
    // Records that `uid` was not archived (the next run asks again) and counts it as failed.
    void message_error(uint32_t uid, std::string what, std::string reply);
    struct MsgFile {
        std::string sha256;
        uint64_t size = 0;
        std::string unconvertible;  // why none can ever be made; then no file and no sha256
    };
    // With --msg: the message converted into `base`.msg, added to the batch; one that can
    // never be converted is counted and comes back with `unconvertible` set; nullopt (and a
    // message error recorded) when the conversion failed for a local reason.
    core::Result<std::optional<MsgFile>> write_msg(uint32_t uid, const std::string& eml_temp,
                                                   const std::string& base);
    // The base name the message's files get (see the .cpp: never over an archived file).
    core::Result<std::string> place_message(uint32_t uid, const std::string& base,
                                            const MessageSink::Taken& body);

    imap::Client& m_client;
    SharedRun& m_run;
    const ExportOptions& m_options;
    const index::FolderRecord& m_folder;
    const uint32_t m_uidvalidity;
    const std::string m_dir;  // the folder's directory
    std::function<bool()> m_stop;
    core::FileSystem& m_fs;
    size_t m_failed = 0;
    size_t m_deferred = 0;
    std::string m_throttled_reply;
    AskedMessages m_asked;  // the UIDs of this fetch(), each received once
    bool m_size_warned = false;
    MessageSink m_sink;
    store::DurableBatch m_batch;
    std::optional<store::AttachmentStore> m_store;  // opened at the first message
    std::vector<index::MessageRecord> m_records;
    // Bytes of body text and Gmail labels held in m_records: a batch is committed early at
    // kMaxBatchHeld, so one connection's batch holds at most about that much.
    size_t m_records_held = 0;
};

}  // namespace imapmirror::sync
