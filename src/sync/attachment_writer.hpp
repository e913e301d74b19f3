#pragma once
// A message's attachment files, written as GMime decodes them, under a temporary directory
// name that the body fetcher hands to a store::DurableBatch.

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/file_system.hpp"
#include "index/archive_index.hpp"
#include "mime/message_parser.hpp"
#include "store/atomic_file.hpp"
#include "store/attachment_store.hpp"
#include "store/sha256.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::sync {

// Writes a message's attachments into a temporary directory beside it, with sanitized,
// de-duplicated names. The directory is created only when there is an attachment.
// With a store, an attachment whose bytes the store already has becomes a hard link to the
// store's file (storage "link"); an attachment of up to kHeldInMemory bytes is then never
// written at all. The others are written (storage "copy") and given to the store by
// AttachmentStore::adopt once their batch is durable (adopt_attachments).
class AttachmentWriter final : public mime::AttachmentOutput {
  public:
    static constexpr size_t kHeldInMemory = 256 * 1024;

    // folder_dir: absolute folder directory; relative_dir: where the attachments will live,
    // relative to the archive root (for the index rows). `store` (may be null: every file a
    // copy) must outlive the writer. With AttachmentFiles::None nothing is written: the rows
    // have storage "none" and their path says where a file would go. The files are created,
    // written and renamed through `fs`, which must outlive the writer.
    AttachmentWriter(std::string folder_dir, std::string relative_dir,
                     const store::AttachmentStore* store = nullptr,
                     AttachmentFiles files = AttachmentFiles::Files,
                     core::FileSystem& fs = core::posix_file_system());
    ~AttachmentWriter() override;

    core::Result<void> begin(const mime::AttachmentMeta& meta) override;
    core::Result<void> write(std::string_view decoded) override;
    core::Result<void> end() override;

    // The temporary directory ("" when no attachment) and the rows to index.
    std::string release_temp_dir();
    std::vector<index::AttachmentRecord>& records() { return m_records; }

  private:
    core::Result<void> open_file();
    core::Result<void> finish_file();
    core::Result<void> write_out(std::string_view bytes);

    std::string m_folder_dir, m_relative_dir, m_temp_dir;
    const store::AttachmentStore* m_store = nullptr;
    AttachmentFiles m_files = AttachmentFiles::Files;
    core::FileSystem* m_fs;
    std::string m_held;            // the first kHeldInMemory bytes, before a file is opened
    std::set<std::string> m_used;  // collision keys of names used
    int m_fd = -1;
    std::string m_current_path;
    store::Sha256 m_hash;
    index::AttachmentRecord m_current;
    std::vector<index::AttachmentRecord> m_records;
};

// After the batch holding `records`' files is durable: each "copy" row's file is given to
// the store (or made a link to the store's file), and its storage set to what it then is.
// Rows whose file is missing (a message whose batch the index refused) stay "copy".
void adopt_attachments(const store::AttachmentStore& store,
                       std::vector<index::AttachmentRecord>& records);

// One attachment of an archived message, decoded from its .eml as it is read (bounded memory:
// the parser's chunks): `each` gets the bytes of part `part` ("2", "1.3"). NotFound (scope Run)
// when the message has no attachment with that part number. What `show --attachment` and an
// archive exported with --attachments none read.
core::Result<void> extract_attachment(
    const std::string& eml, const std::string& part,
    const std::function<core::Result<void>(std::string_view)>& each);

// A file name for an attachment: its decoded name sanitized, or "part-<n>.<ext>" from the type.
std::string attachment_file_name(const mime::AttachmentMeta& meta);

}  // namespace imapmirror::sync
