#include "sync/verifier.hpp"

#include <filesystem>
#include <set>

#include "index/archive_index.hpp"
#include "store/mirror_layout.hpp"
#include "store/sha256.hpp"

namespace imapmirror::sync {

namespace fs = std::filesystem;
using core::Result;

Result<VerifyReport> verify_files(const std::string& root) {
    IMM_ASSIGN(auto index, index::ArchiveIndex::open_existing(root + "/" + store::kIndexFileName));
    IMM_ASSIGN(auto files, index.archived_files());
    VerifyReport report;
    std::set<std::string> known;
    for (const auto& f : files) {
        known.insert(f.path);
        ++report.files_checked;
        const std::string full = root + "/" + f.path;
        std::error_code ec;
        if (!fs::is_regular_file(full, ec)) {
            report.missing.push_back(f.path);
            continue;
        }
        if (fs::file_size(full, ec) != f.size || store::sha256_of_file(full) != f.sha256)
            report.changed.push_back(f.path);
    }
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file())
            continue;
        std::string rel = fs::relative(it->path(), root).string();
        if (rel == ".imapmirror.lock" || rel.rfind(store::kIndexFileName, 0) == 0)
            continue;
        if (!known.count(rel))
            report.extra.push_back(rel);
    }
    return report;
}

Result<void> verify_against_server(const std::string& root, imap::Client& client,
                                   VerifyReport& report) {
    IMM_ASSIGN(auto index, index::ArchiveIndex::open_existing(root + "/" + store::kIndexFileName));
    IMM_ASSIGN(auto folders, index.folders());
    report.server_checked = true;
    for (const auto& f : folders) {
        if (f.deleted || !f.selectable || !f.uidvalidity)
            continue;
        auto state = client.examine(f.name);
        if (!state) {
            if (state.error().kind == core::ErrorKind::NotFound) {
                report.epoch_changed.push_back(f.name + ": gone from the server");
                continue;
            }
            return std::move(state).error();
        }
        if (state->uidvalidity != f.uidvalidity) {
            report.epoch_changed.push_back(f.name + ": UIDVALIDITY " +
                                           std::to_string(*f.uidvalidity) + " -> " +
                                           std::to_string(state->uidvalidity.value_or(0)));
            continue;
        }
        std::vector<uint32_t> server;
        if (state->exists > 0) {
            IMM_ASSIGN(server, client.uid_search("ALL"));
        }
        IMM_ASSIGN(auto live, index.live_uids(f.id, *f.uidvalidity));
        for (uint32_t uid : server)
            if (!std::binary_search(live.begin(), live.end(), uid))
                report.not_archived.push_back(f.name + ": UID " + std::to_string(uid));
        for (uint32_t uid : live)
            if (!std::binary_search(server.begin(), server.end(), uid))
                report.gone_from_server.push_back(f.name + ": UID " + std::to_string(uid));
    }
    return {};
}

}  // namespace imapmirror::sync
