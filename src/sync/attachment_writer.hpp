#pragma once
// A message's attachment files, written as GMime decodes them, under a temporary directory
// name that the body fetcher hands to a store::DurableBatch.

#include <set>
#include <string>
#include <vector>

#include "index/archive_index.hpp"
#include "mime/message_parser.hpp"
#include "store/atomic_file.hpp"
#include "store/sha256.hpp"

namespace imapmirror::sync {

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
