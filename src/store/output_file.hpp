#pragma once
// Bytes a command writes where its user asked (`show --raw/--html/--attachment -o`,
// `attachments --part -o`): a file that appears complete or not at all (a core::AtomicFile in
// its directory, renamed by finish()), or standard output.

#include <optional>
#include <string>
#include <string_view>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace imapmirror::store {

class OutputFile {
  public:
    // Standard output when `path` is empty; else a temporary file in path's directory
    // (AtomicFile::create's errors).
    static core::Result<OutputFile> open(const std::string& path);

    // Writes all of `bytes`; to standard output through write_all (short writes and EINTR
    // retried; an error names "standard output").
    core::Result<void> write(std::string_view bytes);
    // The file made durable and renamed to its path (AtomicFile::commit's errors); nothing to
    // do for standard output. Without it the file never appears.
    core::Result<void> finish();

  private:
    std::optional<core::AtomicFile> m_file;
    std::string m_path;
};

}  // namespace imapmirror::store
