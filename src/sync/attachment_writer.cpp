#include "sync/attachment_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "store/mirror_layout.hpp"
#include "store/name_sanitizer.hpp"

namespace imapmirror::sync {

using core::Result;

std::string attachment_file_name(const mime::AttachmentMeta& meta) {
    static const std::pair<const char*, const char*> kExtensions[] = {
        {"text/plain", ".txt"},      {"text/html", ".html"},      {"text/calendar", ".ics"},
        {"text/csv", ".csv"},        {"application/pdf", ".pdf"}, {"image/png", ".png"},
        {"image/jpeg", ".jpg"},      {"image/gif", ".gif"},       {"message/rfc822", ".eml"},
        {"application/zip", ".zip"}, {"text/x-vcard", ".vcf"},    {"text/vcard", ".vcf"}};
    std::string fallback = "part-" + meta.part;
    std::string ext = ".bin";
    for (const auto& [type, e] : kExtensions)
        if (meta.content_type == type)
            ext = e;
    return store::sanitize_component(meta.filename, fallback + ext);
}

AttachmentWriter::AttachmentWriter(std::string folder_dir, std::string relative_dir,
                                   const store::AttachmentStore* store, AttachmentFiles files,
                                   core::FileSystem& fs)
    : m_folder_dir(std::move(folder_dir)),
      m_relative_dir(std::move(relative_dir)),
      m_store(store),
      m_files(files),
      m_fs(&fs) {}

AttachmentWriter::~AttachmentWriter() {
    if (m_fd >= 0)
        ::close(m_fd);
    if (!m_temp_dir.empty())
        store::remove_tree(m_temp_dir);
}

Result<void> AttachmentWriter::begin(const mime::AttachmentMeta& meta) {
    std::string name = attachment_file_name(meta);
    for (int n = 2; m_used.count(store::collision_key(name)); ++n)
        name = store::numbered_variant(attachment_file_name(meta), n);
    m_used.insert(store::collision_key(name));
    m_hash = store::Sha256();
    m_held.clear();
    m_current = index::AttachmentRecord{};
    m_current.part = meta.part;
    m_current.filename = meta.filename;
    m_current.content_type = meta.content_type;
    m_current.path = m_relative_dir + "/" + name;
    if (m_files == AttachmentFiles::None) {
        m_current.storage = std::string(store::storage_name(store::AttachmentStorage::None));
        return {};
    }
    if (m_temp_dir.empty()) {
        std::string pattern = m_folder_dir + "/" + store::kTempPrefix + "XXXXXX";
        if (!::mkdtemp(pattern.data()))
            return store::file_error(errno, "cannot create a directory in", m_folder_dir);
        m_temp_dir = pattern;
    }
    m_current_path = m_temp_dir + "/" + name;
    return {};
}

Result<void> AttachmentWriter::open_file() {
    // O_EXCL|O_NOFOLLOW: the name is ours alone, inside our own fresh directory.
    m_fd = m_fs->open_at(AT_FDCWD, m_current_path.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (m_fd < 0)
        return store::file_error(errno, "cannot create", m_current_path);
    return {};
}

Result<void> AttachmentWriter::write_out(std::string_view bytes) {
    return core::write_all(*m_fs, m_fd, bytes, m_current_path);
}

Result<void> AttachmentWriter::write(std::string_view decoded) {
    m_hash.update(decoded);
    m_current.size += decoded.size();
    if (m_files == AttachmentFiles::None)
        return {};
    // Held until it outgrows kHeldInMemory: a logo the store already has is never written.
    if (m_fd < 0 && m_held.size() + decoded.size() <= kHeldInMemory) {
        m_held.append(decoded);
        return {};
    }
    if (m_fd < 0) {
        IMM_TRY(open_file());
        IMM_TRY(write_out(m_held));
        m_held.clear();
    }
    return write_out(decoded);
}

Result<void> AttachmentWriter::end() {
    m_current.sha256 = m_hash.hex();
    if (m_files == AttachmentFiles::Files)
        IMM_TRY(finish_file());
    m_records.push_back(std::move(m_current));
    return {};
}

Result<void> AttachmentWriter::finish_file() {
    const bool streamed = m_fd >= 0;
    if (streamed && ::close(std::exchange(m_fd, -1)) != 0)
        return store::file_error(errno, "cannot close", m_current_path);
    if (m_store) {
        // A file already written is replaced by the link within our own temporary directory
        // (no attachment name begins with '.': sanitize_component).
        const std::string target =
            streamed ? m_temp_dir + "/" + store::kTempPrefix + "link" : m_current_path;
        if (m_store->link_existing(m_current.sha256, m_current.size, target)) {
            if (streamed &&
                m_fs->rename_at(AT_FDCWD, target.c_str(), AT_FDCWD, m_current_path.c_str(), 0) != 0)
                return store::file_error(errno, "cannot rename to", m_current_path);
            m_current.storage = std::string(store::storage_name(store::AttachmentStorage::Link));
            m_held.clear();
            return {};
        }
    }
    if (streamed)
        return {};
    IMM_TRY(open_file());
    auto written = write_out(m_held);
    m_held.clear();
    if (::close(std::exchange(m_fd, -1)) != 0 && written)
        return store::file_error(errno, "cannot close", m_current_path);
    return written;
}

std::string AttachmentWriter::release_temp_dir() {
    std::string d = std::move(m_temp_dir);
    m_temp_dir.clear();
    return d;
}

namespace {

// Passes on the bytes of one part and drops the others.
class OnePart final : public mime::AttachmentOutput {
  public:
    OnePart(std::string part, const std::function<Result<void>(std::string_view)>& each)
        : m_part(std::move(part)), m_each(each) {}
    Result<void> begin(const mime::AttachmentMeta& meta) override {
        m_on = meta.part == m_part;
        m_found = m_found || m_on;
        return {};
    }
    Result<void> write(std::string_view decoded) override {
        return m_on ? m_each(decoded) : Result<void>{};
    }
    Result<void> end() override {
        m_on = false;
        return {};
    }
    bool found() const { return m_found; }

  private:
    std::string m_part;
    const std::function<Result<void>(std::string_view)>& m_each;
    bool m_on = false, m_found = false;
};

}  // namespace

Result<void> extract_attachment(const std::string& eml, const std::string& part,
                                const std::function<Result<void>(std::string_view)>& each) {
    OnePart out(part, each);
    IMM_TRY(mime::parse_message_file(eml, out));
    if (!out.found())
        return core::make_error(
            core::ErrorKind::NotFound,
            "the message has no attachment with part number " + part + ": " + eml,
            core::Scope::Run);
    return {};
}

void adopt_attachments(const store::AttachmentStore& store,
                       std::vector<index::AttachmentRecord>& records) {
    for (auto& a : records) {
        if (a.storage != store::storage_name(store::AttachmentStorage::Copy))
            continue;
        if (auto adopted = store.adopt(a.sha256, a.size, a.path))
            a.storage = std::string(store::storage_name(*adopted));
    }
}

}  // namespace imapmirror::sync
