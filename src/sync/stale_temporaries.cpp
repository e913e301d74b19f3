#include "sync/stale_temporaries.hpp"

#include <fcntl.h>

#include <string>
#include <vector>

#include "index/archived_names.hpp"
#include "store/atomic_file.hpp"
#include "store/mirror_layout.hpp"

namespace imapmirror::sync {

using core::Result;

namespace {

// DIR itself ("") or a folder directory beneath it, never through a link.
Result<store::UniqueFd> open_dir(const store::ArchiveRoot& root, const std::string& dir) {
    if (dir.empty())
        return store::UniqueFd(::fcntl(root.fd(), F_DUPFD_CLOEXEC, 0));
    return root.open_directory(dir, false);
}

}  // namespace

Result<size_t> remove_stale_temporaries(const store::ArchiveRoot& root,
                                        index::ArchiveIndex& index) {
    IMM_ASSIGN(auto folders, index.folders());
    std::vector<std::string> dirs = {""};
    for (const auto& f : folders)
        dirs.push_back(f.path);

    struct Stale {
        std::string dir, name;
    };
    std::vector<Stale> found;
    for (const auto& dir : dirs) {
        auto fd = open_dir(root, dir);
        if (!fd || !*fd)
            continue;  // missing, or a planted link: nothing of ours to remove there
        for (auto& name : store::stale_temp_names(fd->get()))
            found.push_back(Stale{dir, std::move(name)});
    }
    if (found.empty())
        return size_t{0};

    // Only when there is something to remove: the index is read in full once.
    IMM_ASSIGN(auto named, index::archived_paths_containing(index, store::kTempPrefix));
    size_t removed = 0;
    for (const auto& stale : found) {
        const std::string relative = stale.dir.empty() ? stale.name : stale.dir + "/" + stale.name;
        if (named.count(relative))
            continue;
        auto fd = open_dir(root, stale.dir);
        if (!fd || !*fd)
            continue;
        store::remove_tree_at(fd->get(), stale.name);
        ++removed;
    }
    return removed;
}

}  // namespace imapmirror::sync
