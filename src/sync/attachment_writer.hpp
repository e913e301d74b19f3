#pragma once
// The two writers of the export: the message body as it streams off the socket, and the
// decoded attachments as GMime reads them back. Both write under temporary names; the
// exporter hands those to a store::DurableBatch.

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "imap/literal_sink.hpp"
#include "index/archive_index.hpp"
#include "mime/message_parser.hpp"
#include "store/atomic_file.hpp"
#include "store/sha256.hpp"
#include "sync/header_hash.hpp"

namespace imapmirror::sync {

// Receives one BODY[] literal at a time into a temporary file in `directory`, hashing as it
// goes. begin() before each literal; take() after the FETCH response completes.
class MessageSink final : public imap::LiteralSink {
  public:
    void begin(const std::string& directory);
    core::Result<void> write(std::string_view chunk) override;
    core::Result<void> finish() override;

    struct Taken {
        std::string temp_path;
        std::string sha256;
        std::string header_sha256;  // see header_hash.hpp
        uint64_t size = 0;
    };
    // Closes the finished file (with mtime set) and hands it over; error if no body arrived.
    core::Result<Taken> take(std::optional<int64_t> mtime);
    bool has_body() const { return m_file != nullptr && m_finished; }
    void discard();

  private:
    static constexpr size_t kWriteBuffer = 256 * 1024;
    core::Result<void> write_pending();

    std::unique_ptr<store::AtomicFile> m_file;
    std::string m_pending;  // bytes not yet written, at most kWriteBuffer
    store::Sha256 m_hash;
    HeaderHasher m_header;
    uint64_t m_size = 0;
    bool m_finished = false;
    core::Result<void> m_error;
};

// Writes a message's attachments into a temporary directory beside it, with sanitized,
// de-duplicated names. The directory is created only when there is an attachment.
class AttachmentWriter final : public mime::AttachmentOutput {
  public:
    // folder_dir: absolute folder directory; relative_dir: where the attachments will live,
    // relative to the archive root (for the index rows).
    AttachmentWriter(std::string folder_dir, std::string relative_dir);
    ~AttachmentWriter() override;

    core::Result<void> begin(const mime::AttachmentMeta& meta) override;
    core::Result<void> write(std::string_view decoded) override;
    core::Result<void> end() override;

    // The temporary directory ("" when no attachment) and the rows to index.
    std::string release_temp_dir();
    std::vector<index::AttachmentRecord>& records() { return m_records; }

  private:
    std::string m_folder_dir, m_relative_dir, m_temp_dir;
    std::set<std::string> m_used;  // collision keys of names used
    int m_fd = -1;
    std::string m_current_path;
    store::Sha256 m_hash;
    index::AttachmentRecord m_current;
    std::vector<index::AttachmentRecord> m_records;
};

// A file name for an attachment: its decoded name sanitized, or "part-<n>.<ext>" from the type.
std::string attachment_file_name(const mime::AttachmentMeta& meta);

}  // namespace imapmirror::sync
