#include "sync/archive.hpp"

#include "store/mirror_layout.hpp"

namespace imapmirror::sync {

std::string index_path(const std::string& dir) {
    return dir + "/" + store::kIndexFileName;
}

core::Result<Archive> open_for_writing(const std::string& dir, IndexOpen how) {
    IMM_ASSIGN(auto locked, lock_archive(dir));
    const std::string path = index_path(dir);
    auto opened = how == IndexOpen::Create ? index::ArchiveIndex::open(path)
                                           : index::ArchiveIndex::open_existing(path);
    if (!opened)
        return std::move(opened).error();
    return Archive{std::move(locked), std::move(opened).value()};
}

}  // namespace imapmirror::sync
