#pragma once
// A file that appears under its final name complete or not at all: written to a temporary
// name in the destination directory, fsynced, renamed, directory fsynced. Destroying an
// uncommitted AtomicFile removes the temporary file. Every write, sync, rename and removal
// goes through a core::FileSystem (file_system.hpp).

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/file_system.hpp"

namespace imapmirror::core {

// The prefix of every temporary name imapmirror writes (AtomicFile, store::DurableBatch, the
// attachment writer): what a killed run leaves behind, and what the next run removes.
inline constexpr const char* kTempPrefix = ".imapmirror-tmp-";

class AtomicFile {
  public:
    // Creates a temporary file (0600, a fresh name) in `directory` (which must exist; "" is
    // the working directory). `fs` must outlive the object. Errors are file_error naming
    // `directory` (ENOSPC: DiskFull).
    static Result<AtomicFile> create(const std::string& directory,
                                     FileSystem& fs = posix_file_system());

    AtomicFile(AtomicFile&& other) noexcept;
    AtomicFile& operator=(AtomicFile&& other) noexcept;
    ~AtomicFile();

    // Writes all of `bytes`, retrying short writes and EINTR. An error is file_error naming
    // the temporary path; the final name is untouched.
    Result<void> write(std::string_view bytes);
    // Makes the data durable and renames it to `final_path` (same file system), replacing any
    // existing file, never a directory (a Corrupt error of scope Run naming it). A failure
    // before the rename leaves `final_path` as it was; the temporary file goes with the
    // object. After commit the object is empty.
    Result<void> commit(const std::string& final_path);
    // Sets the file's modification time (Unix seconds).
    Result<void> set_mtime(int64_t unix_seconds);
    // Sets the file's permission bits (created 0600), e.g. 0644 for a file another user's
    // service reads.
    Result<void> set_mode(unsigned mode);
    // Closes the file without syncing or renaming and hands over its temporary path (for a
    // store::DurableBatch, which syncs many files at once). After this the object is empty.
    Result<std::string> release();
    uint64_t size() const { return m_size; }
    const std::string& temp_path() const { return m_temp; }

  private:
    AtomicFile(FileSystem& fs, int fd, std::string temp, std::string directory)
        : m_fs(&fs), m_fd(fd), m_temp(std::move(temp)), m_directory(std::move(directory)) {}
    void discard();

    FileSystem* m_fs;
    int m_fd = -1;
    std::string m_temp;
    std::string m_directory;
    uint64_t m_size = 0;
};

// The error of a commit that found a directory where a file was to go (Corrupt, scope Run).
Error directory_in_the_way(std::string_view path);

// The directory AtomicFile::create takes for a file to be committed at `path`: "." for a bare
// name, "/" for a name at the root, else what comes before the last '/'.
std::string directory_for(const std::string& path);

}  // namespace imapmirror::core
