#include "sync/export_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "store/mirror_layout.hpp"
#include "store/name_sanitizer.hpp"

namespace imapmirror::sync {

using core::Result;

void MessageSink::begin(const std::string& directory) {
    discard();
    m_hash = store::Sha256();
    m_header = HeaderHasher();
    auto file = store::AtomicFile::create(directory);
    if (file)
        m_file = std::make_unique<store::AtomicFile>(std::move(file).value());
    else
        m_error = std::move(file).error();
}

Result<void> MessageSink::write(std::string_view chunk) {
    if (!m_error)
        return m_error;
    m_hash.update(chunk);
    m_size += chunk.size();
    if (!m_header.complete())
        m_header.update(chunk);
    // TLS hands over ~4 KB records: one write() each cost more than the copy that gathers them.
    if (m_pending.size() + chunk.size() > kWriteBuffer)
        IMM_TRY(write_pending());
    if (chunk.size() >= kWriteBuffer)
        return m_file->write(chunk);
    m_pending.append(chunk);
    return {};
}

Result<void> MessageSink::write_pending() {
    if (m_pending.empty())
        return {};
    auto written = m_file->write(m_pending);
    m_pending.clear();
    return written;
}

Result<void> MessageSink::finish() {
    if (!m_error)
        return m_error;
    IMM_TRY(write_pending());
    m_finished = true;
    return {};
}

Result<MessageSink::Taken> MessageSink::take(std::optional<int64_t> mtime) {
    if (!m_file || !m_finished)
        return core::make_error(core::ErrorKind::Protocol, "the server sent no message body",
                                core::Scope::Message);
    if (mtime)
        IMM_TRY(m_file->set_mtime(*mtime));
    Taken t;
    t.size = m_size;
    t.sha256 = m_hash.hex();
    t.header_sha256 = m_header.hex();
    IMM_ASSIGN(t.temp_path, m_file->release());
    m_file.reset();
    m_finished = false;
    m_size = 0;
    return t;
}

void MessageSink::discard() {
    m_pending.clear();
    m_file.reset();  // removes an uncommitted temporary file
    m_finished = false;
    m_size = 0;
    m_error = {};
}

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

AttachmentWriter::AttachmentWriter(std::string folder_dir, std::string relative_dir)
    : m_folder_dir(std::move(folder_dir)), m_relative_dir(std::move(relative_dir)) {}

AttachmentWriter::~AttachmentWriter() {
    if (m_fd >= 0)
        ::close(m_fd);
    if (!m_temp_dir.empty())
        store::remove_tree(m_temp_dir);
}

Result<void> AttachmentWriter::begin(const mime::AttachmentMeta& meta) {
    if (m_temp_dir.empty()) {
        std::string pattern = m_folder_dir + "/" + store::kTempPrefix + "XXXXXX";
        if (!::mkdtemp(pattern.data()))
            return store::file_error(errno, "cannot create a directory in", m_folder_dir);
        m_temp_dir = pattern;
    }
    std::string name = attachment_file_name(meta);
    for (int n = 2; m_used.count(store::collision_key(name)); ++n)
        name = store::numbered_variant(attachment_file_name(meta), n);
    m_used.insert(store::collision_key(name));
    m_current_path = m_temp_dir + "/" + name;
    // O_EXCL|O_NOFOLLOW: the name is ours alone, inside our own fresh directory.
    m_fd =
        ::open(m_current_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (m_fd < 0)
        return store::file_error(errno, "cannot create", m_current_path);
    m_hash = store::Sha256();
    m_current = index::AttachmentRecord{};
    m_current.part = meta.part;
    m_current.filename = meta.filename;
    m_current.content_type = meta.content_type;
    m_current.path = m_relative_dir + "/" + name;
    return {};
}

Result<void> AttachmentWriter::write(std::string_view decoded) {
    m_hash.update(decoded);
    m_current.size += decoded.size();
    while (!decoded.empty()) {
        ssize_t n = ::write(m_fd, decoded.data(), decoded.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return store::file_error(errno, "cannot write", m_current_path);
        }
        decoded.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

Result<void> AttachmentWriter::end() {
    int fd = m_fd;
    m_fd = -1;
    if (::close(fd) != 0)
        return store::file_error(errno, "cannot close", m_current_path);
    m_current.sha256 = m_hash.hex();
    m_records.push_back(std::move(m_current));
    return {};
}

std::string AttachmentWriter::release_temp_dir() {
    std::string d = std::move(m_temp_dir);
    m_temp_dir.clear();
    return d;
}

}  // namespace imapmirror::sync
