#pragma once
// Where a message body goes as it streams off the socket: written, hashed and counted in one
// pass, into a temporary file (export, fetch -o) or to standard output (fetch).

#include <memory>
#include <optional>
#include <string>

#include "core/atomic_file.hpp"
#include "core/file_system.hpp"
#include "imap/literal_sink.hpp"
#include "store/sha256.hpp"
#include "sync/header_hash.hpp"

namespace imapmirror::sync {

// Receives one body at a time: begin() before each literal (imap::FetchRequest::body_sink),
// then, once its FETCH response is complete, take() or commit(). A body never taken is
// discarded by the next begin() or by discard().
class MessageSink final : public imap::LiteralSink {
  public:
    // Bodies into temporary files in `directory` (which must exist), written through `fs`
    // (which must outlive the sink).
    static MessageSink into_directory(std::string directory,
                                      core::FileSystem& fs = core::posix_file_system());
    // Bodies to standard output as they arrive; take() then only reports what was written.
    static MessageSink to_stdout();

    MessageSink(MessageSink&&) = default;
    MessageSink& operator=(MessageSink&&) = default;

    // Starts the next body. A temporary file that cannot be created fails the first write().
    void begin();
    core::Result<void> write(std::string_view chunk) override;
    core::Result<void> finish() override;

    struct Taken {
        std::string temp_path;  // "" for standard output
        std::string sha256;
        std::string header_sha256;  // see header_hash.hpp
        uint64_t size = 0;
    };
    // Whether a body arrived completely since begin().
    bool has_body() const { return m_finished; }
    // Bytes of the current body received so far.
    uint64_t size() const { return m_size; }
    // Hands the finished file over, closed, not yet synced (for a store::DurableBatch), with
    // its mtime set when given. Error if no body arrived.
    core::Result<Taken> take(std::optional<int64_t> mtime);
    // Makes the finished file durable as `final_path` (fsync, rename, directory fsync),
    // replacing what is there. For standard output it only reports what was written.
    core::Result<Taken> commit(const std::string& final_path);
    void discard();

  private:
    MessageSink(std::string directory, core::FileSystem& fs)
        : m_directory(std::move(directory)), m_fs(&fs) {}
    static constexpr size_t kWriteBuffer = 256 * 1024;
    core::Result<void> write_out(std::string_view bytes);
    core::Result<void> write_pending();
    Taken counts();

    std::string m_directory;  // empty: standard output
    core::FileSystem* m_fs;
    std::unique_ptr<core::AtomicFile> m_file;
    std::string m_pending;  // bytes not yet written, at most kWriteBuffer
    store::Sha256 m_hash;
    HeaderHasher m_header;
    uint64_t m_size = 0;
    bool m_finished = false;
    // Why this body cannot be received (its file could not be created); returned by write().
    std::optional<core::Error> m_failed;
};

}  // namespace imapmirror::sync
