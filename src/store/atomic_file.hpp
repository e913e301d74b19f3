#pragma once
// A file that appears under its final name complete or not at all: written to a temporary
// name in the destination directory, fsynced, renamed, directory fsynced. Destroying an
// uncommitted AtomicFile removes the temporary file.

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace imapmirror::store {

class AtomicFile {
  public:
    // Creates a temporary file in `directory` (which must exist).
    static core::Result<AtomicFile> create(const std::string& directory);

    AtomicFile(AtomicFile&& other) noexcept;
    AtomicFile& operator=(AtomicFile&& other) noexcept;
    ~AtomicFile();

    core::Result<void> write(std::string_view bytes);
    // Makes the data durable and renames it to `final_path` (same file system), replacing any
    // existing file. After commit the object is empty.
    core::Result<void> commit(const std::string& final_path);
    uint64_t size() const { return m_size; }
    const std::string& temp_path() const { return m_temp; }

  private:
    AtomicFile(int fd, std::string temp, std::string directory);
    void discard();

    int m_fd = -1;
    std::string m_temp;
    std::string m_directory;
    uint64_t m_size = 0;
};

// Errno from a file operation -> Error (ENOSPC/EDQUOT -> DiskFull, else Io) naming `path`.
core::Error file_error(int err, std::string_view what, std::string_view path);

}  // namespace imapmirror::store
