#pragma once
// A file written under a temporary name (kTempPrefix) in a directory held open, then fsynced
// and renamed into a directory held open: AtomicFile for writers that reach their
// directories by descriptor (never through a link) rather than by path. A file never
// committed is removed by the destructor. Its writes, syncs, rename and removal go through a
// core::FileSystem.

#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "core/file_system.hpp"
#include "store/archive_root.hpp"

namespace imapmirror::store {

class TempFileAt {
  public:
    // Creates the temporary file (0600, O_EXCL) in `dir_fd`; `shown_dir` names that directory
    // in errors. `fs` must outlive the object.
    static core::Result<TempFileAt> create(int dir_fd, std::string shown_dir,
                                           core::FileSystem& fs = core::posix_file_system());

    TempFileAt(TempFileAt&& o) noexcept
        : m_fs(o.m_fs),
          m_dir(std::move(o.m_dir)),
          m_fd(std::move(o.m_fd)),
          m_name(std::exchange(o.m_name, {})),
          m_shown_dir(std::move(o.m_shown_dir)) {}
    TempFileAt& operator=(TempFileAt&&) = delete;
    ~TempFileAt();

    core::Result<void> write(std::string_view bytes);
    // Appends everything `source_fd` reads until its end.
    core::Result<void> copy_from(int source_fd, const std::string& shown_source);

    enum class Replace { Allowed, Refused };
    // fsyncs, renames to `name` in `to_dir_fd` (on the same file system), fsyncs that
    // directory. With Replace::Refused an existing `name` is an error of scope Message naming
    // it (renameat2 RENAME_NOREPLACE) and the temporary file is removed.
    core::Result<void> commit(int to_dir_fd, const std::string& name, const std::string& shown_name,
                              Replace replace);

  private:
    TempFileAt(core::FileSystem& fs, UniqueFd dir, UniqueFd fd, std::string name,
               std::string shown_dir)
        : m_fs(&fs),
          m_dir(std::move(dir)),
          m_fd(std::move(fd)),
          m_name(std::move(name)),
          m_shown_dir(std::move(shown_dir)) {}
    core::FileSystem* m_fs;
    UniqueFd m_dir, m_fd;
    std::string m_name;  // empty once committed or moved from
    std::string m_shown_dir;
};

}  // namespace imapmirror::store
