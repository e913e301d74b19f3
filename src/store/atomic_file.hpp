#pragma once
// Many files made durable and renamed together (DurableBatch), what a killed run leaves
// (stale_temp_names), and the small file helpers the writers share. The single atomic file is
// core::AtomicFile.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/file_system.hpp"
#include "store/archive_root.hpp"

namespace imapmirror::store {

// AtomicFile and the errno -> Error rule are in core, where auth's token store shares them;
// store's callers name them store::.
using core::AtomicFile;
using core::directory_in_the_way;
using core::file_error;

// Files and directories written under temporary names, made durable and renamed together:
// one syncfs() for the whole batch instead of one fsync() per file. A crash before commit()
// leaves only temporary names (removed at the start of the next run, see stale_temp_names).
class DurableBatch {
  public:
    // `fs` (its syncfs, renames and removals) must outlive the batch.
    explicit DurableBatch(std::string root, core::FileSystem& fs = core::posix_file_system())
        : m_root(std::move(root)), m_fs(&fs) {}
    ~DurableBatch() { discard(); }
    DurableBatch(const DurableBatch&) = delete;
    DurableBatch& operator=(const DurableBatch&) = delete;

    // `temp` (a file or a directory) becomes `final_path` at commit; an existing file there is
    // replaced. An existing directory is replaced only by a directory and only under an
    // archive file name (is_archive_file_name: an .attachments left by an interrupted run);
    // any other directory there makes commit() fail (Corrupt, scope Run, naming it), and it
    // is kept.
    void add(std::string temp, std::string final_path);
    // Syncs the file system holding root, renames everything, syncs the directories. Each
    // temp must be in its final path's directory, which must be beneath root; the renames go
    // through that directory opened without following links (a link is a Folder error).
    core::Result<void> commit();
    // Removes every temporary file or directory not yet committed.
    void discard();
    // Removes what the last commit() renamed into place (when what should have recorded it,
    // the index, failed): the archive goes back to its state before the batch.
    void undo_last_commit();
    bool empty() const { return m_entries.empty(); }

  private:
    // The directory of `final_path`, opened beneath root (cached in m_dirs).
    core::Result<int> directory_of_entry(int root_fd, const std::string& final_path);

    std::string m_root;
    core::FileSystem* m_fs;
    std::vector<std::pair<std::string, std::string>> m_entries;
    std::vector<std::string> m_last_committed;
    std::map<std::string, UniqueFd> m_dirs;  // directory path -> descriptor
};

// The names in the directory `dir_fd` that start with kTempPrefix: what AtomicFile, DurableBatch
// and the attachment writer leave behind when the process dies before a commit. The caller
// removes them (remove_tree_at) while it holds the archive's lock (sync::remove_stale_temporaries).
std::vector<std::string> stale_temp_names(int dir_fd);

// Creates a directory and its parents (mode 0700: mail is private); fine if it exists.
core::Result<void> make_directories(const std::string& path);

// Removes a file or a directory tree; no error when absent. A symbolic link is removed itself,
// never followed (the walk below `name` is relative to open directories).
void remove_tree(const std::string& path);
void remove_tree_at(int dir_fd, const std::string& name);

// Reads `fd` to its end in chunks of 256 KiB, giving each to `each` (whose error stops the
// reading and is returned); a read error is file_error naming `shown`.
core::Result<void> read_chunks(int fd, std::string_view shown,
                               const std::function<core::Result<void>(std::string_view)>& each);

// A relative path ("a/b/c.eml") as its directory ("a/b"; "" for a name directly in the root)
// and its last component.
struct SplitPath {
    std::string dir, name;
};
SplitPath split_path(const std::string& relative);

}  // namespace imapmirror::store
