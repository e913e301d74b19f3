#include "sync/attachment_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

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
