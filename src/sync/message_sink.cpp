#include "sync/message_sink.hpp"

#include <unistd.h>

#include "store/write_all.hpp"

namespace imapmirror::sync {

using core::Result;

MessageSink MessageSink::into_directory(std::string directory, core::FileSystem& fs) {
    return MessageSink(std::move(directory), fs);
}

MessageSink MessageSink::to_stdout() {
    return MessageSink(std::string(), core::posix_file_system());
}

void MessageSink::begin() {
    discard();
    if (m_directory.empty())
        return;
    auto file = core::AtomicFile::create(m_directory, *m_fs);
    if (file)
        m_file = std::make_unique<core::AtomicFile>(std::move(file).value());
    else
        m_failed = std::move(file).error();
}

Result<void> MessageSink::write(std::string_view chunk) {
    if (m_failed)
        return *m_failed;
    m_hash.update(chunk);
    m_size += chunk.size();
    if (!m_header.complete())
        m_header.update(chunk);
    // TLS hands over ~4 KB records: one write() each cost more than the copy that gathers them.
    if (m_pending.size() + chunk.size() > kWriteBuffer)
        IMM_TRY(write_pending());
    if (chunk.size() >= kWriteBuffer)
        return write_out(chunk);
    m_pending.append(chunk);
    return {};
}

Result<void> MessageSink::finish() {
    if (m_failed)
        return *m_failed;
    IMM_TRY(write_pending());
    m_finished = true;
    return {};
}

Result<void> MessageSink::write_pending() {
    if (m_pending.empty())
        return {};
    auto written = write_out(m_pending);
    m_pending.clear();
    return written;
}

Result<void> MessageSink::write_out(std::string_view bytes) {
    if (m_file)
        return m_file->write(bytes);
    return store::write_all(STDOUT_FILENO, bytes, "standard output");
}

MessageSink::Taken MessageSink::counts() {
    Taken t;
    t.size = m_size;
    t.sha256 = m_hash.hex();
    t.header_sha256 = m_header.hex();
    return t;
}

Result<MessageSink::Taken> MessageSink::take(std::optional<int64_t> mtime) {
    if (!m_finished)
        return core::make_error(core::ErrorKind::Protocol, "the server sent no message body",
                                core::Scope::Message);
    Taken t = counts();
    if (m_file) {
        if (mtime)
            IMM_TRY(m_file->set_mtime(*mtime));
        IMM_ASSIGN(t.temp_path, m_file->release());
    }
    discard();
    return t;
}

Result<MessageSink::Taken> MessageSink::commit(const std::string& final_path) {
    if (!m_finished)
        return core::make_error(core::ErrorKind::Protocol, "the server sent no message body",
                                core::Scope::Message);
    Taken t = counts();
    if (m_file)
        IMM_TRY(m_file->commit(final_path));
    discard();
    return t;
}

void MessageSink::discard() {
    m_pending.clear();
    m_file.reset();  // removes an uncommitted temporary file
    m_hash = store::Sha256();
    m_header = HeaderHasher();
    m_size = 0;
    m_finished = false;
    m_failed.reset();
}

}  // namespace imapmirror::sync
