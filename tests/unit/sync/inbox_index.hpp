#pragma once
// A temporary index with one folder, INBOX, and a run summary: what the sync unit tests that
// write (apply_plan, BodyFetcher) start from. Removed with its directory afterwards.

#include <catch2/catch.hpp>

#include <optional>

#include "../index/temp_index.hpp"
#include "index/archive_index.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::test {

struct InboxIndex {
    TempIndex dir;
    std::optional<index::ArchiveIndex> ix;
    index::FolderRecord folder;
    sync::ExportSummary summary;

    InboxIndex() {
        auto opened = index::ArchiveIndex::open(dir.path());
        REQUIRE(opened);
        ix = std::move(*opened);
        folder.name = folder.raw_name = folder.path = "INBOX";
        auto id = ix->upsert_folder(folder);
        REQUIRE(id);
        folder.id = *id;
    }
};

}  // namespace imapmirror::test
