#include "sync/verifier.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "index/archive_index.hpp"
#include "store/attachment_store.hpp"
#include "store/damaged_copy.hpp"
#include "store/mirror_layout.hpp"
#include "store/sha256.hpp"
#include "sync/archive.hpp"
#include "sync/folder_sync.hpp"
#include "sync/label_directories.hpp"
#include "sync/run_plan.hpp"

namespace imapmirror::sync {

namespace fs = std::filesystem;
using core::Result;

namespace {

// SHA-256 of regular files, hashed once per inode: the messages linking one attachment-store
// file share its inode, so its bytes are read once and a damaged store file is a damaged
// attachment of every message linking it.
class InodeHashes {
  public:
    // "" when `full` is not a regular file (never followed through a link).
    const std::string& of(const std::string& full, uint64_t& size) {
        static const std::string kNone;
        struct stat st {};
        if (::lstat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
            return kNone;
        size = static_cast<uint64_t>(st.st_size);
        const auto key = std::make_pair(st.st_dev, st.st_ino);
        auto it = m_seen.find(key);
        if (it == m_seen.end())
            it = m_seen.emplace(key, store::sha256_of_file(full)).first;
        return it->second;
    }

  private:
    std::map<std::pair<dev_t, ino_t>, std::string> m_seen;
};

}  // namespace

Result<VerifyReport> verify_files(const std::string& root,
                                  const std::function<void(const VerifyProgress&)>& on_progress) {
    IMM_ASSIGN(auto index, index::ArchiveIndex::open_existing(index_path(root)));
    IMM_ASSIGN(auto files, index.archived_files());
    VerifyReport report;
    IMM_ASSIGN(report.identity, index::read_account_identity(index.db()));
    std::set<std::string> known;
    InodeHashes hashes;
    VerifyProgress progress{0, files.size()};
    for (const auto& f : files) {
        if (on_progress)
            on_progress(progress);
        ++progress.done;
        known.insert(f.path);
        ++report.files_checked;
        uint64_t size = 0;
        const std::string& sha = hashes.of(root + "/" + f.path, size);
        if (sha.empty())
            report.missing.push_back(f.path);
        else if (size != f.size || sha != f.sha256)
            report.changed.push_back(f.path);
    }
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file())
            continue;
        std::string rel = fs::relative(it->path(), root).string();
        if (rel == kLockFileName || rel.rfind(store::kIndexFileName, 0) == 0)
            continue;
        if (known.count(rel))
            continue;
        const fs::path p(rel);
        if (std::any_of(p.begin(), p.end(),
                        [](const fs::path& c) { return store::is_damaged_copy(c.string()); })) {
            report.kept_aside.push_back(rel);
            continue;
        }
        // A store file is named by the SHA-256 of its bytes; one that no message links is
        // fine (a later message with those bytes links it).
        if (const std::string named = store::store_file_sha256(rel); !named.empty()) {
            ++report.files_checked;
            uint64_t size = 0;
            if (hashes.of(it->path().string(), size) != named)
                report.changed.push_back(rel);
            continue;
        }
        report.extra.push_back(rel);
    }
    if (on_progress)
        on_progress(progress);
    return report;
}

Result<std::optional<std::vector<uint32_t>>> server_uid_list(imap::Client& client,
                                                             const imap::MailboxState& state) {
    if (state.exists == 0)
        return std::optional<std::vector<uint32_t>>(std::vector<uint32_t>{});
    IMM_ASSIGN(auto found, client.uid_search("ALL"));
    if (found.size() != state.exists) {
        IMM_ASSIGN(found, list_uids(client));
    }
    if (found.size() != state.exists)
        return std::optional<std::vector<uint32_t>>();
    return std::optional<std::vector<uint32_t>>(std::move(found));
}

Result<void> verify_against_server(const std::string& root, imap::Client& client,
                                   const FolderFilter& filter, VerifyReport& report) {
    IMM_ASSIGN(auto index, index::ArchiveIndex::open_existing(index_path(root)));
    IMM_ASSIGN(auto folders, index.folders());
    report.server_checked = true;
    auto selected = [&](const std::string& name) {
        return folder_selected(name, filter.include, filter.exclude);
    };

    // Every selectable folder on the server must be in the archive, not only the indexed ones:
    // an archive that never got a folder must not verify as complete.
    IMM_ASSIGN(auto listed, client.list_folders(false));
    std::set<std::string> archived;
    for (const auto& f : folders)
        if (!f.deleted && f.selectable && f.uidvalidity)
            archived.insert(f.raw_name);
    // Gmail single-instance mode: a label's folder holds copies of All Mail's messages, which
    // are compared there; its directory holds links, not an archive of its own.
    const bool gmail_single_instance =
        client.capabilities().has("X-GM-EXT-1") &&
        std::any_of(folders.begin(), folders.end(), [](const index::FolderRecord& f) {
            return f.special_use == "\\All" && f.uidvalidity && !f.deleted;
        });
    for (const auto& f : listed) {
        if (gmail_single_instance && !archived_once(f.entry.special_use()))
            continue;
        if (f.entry.selectable() && selected(f.entry.name) && !archived.count(f.entry.raw_name))
            report.folders_not_archived.push_back(f.entry.name);
    }

    for (const auto& f : folders) {
        if (f.deleted || !f.selectable || !f.uidvalidity || !selected(f.name))
            continue;
        auto state = client.examine(f.name);
        if (!state && state.error().kind == core::ErrorKind::NotFound) {
            report.epoch_changed.push_back(f.name + ": gone from the server");
            continue;
        }
        if (!state && state.error().scope == core::Scope::Session)
            return std::move(state).error();
        if (!state) {  // this folder alone: the others are still compared
            report.unchecked.push_back(f.name + ": " + state.error().describe());
            continue;
        }
        if (state->uidvalidity != f.uidvalidity) {
            report.epoch_changed.push_back(f.name + ": UIDVALIDITY " +
                                           std::to_string(*f.uidvalidity) + " -> " +
                                           std::to_string(state->uidvalidity.value_or(0)));
            continue;
        }
        IMM_ASSIGN(auto server, server_uid_list(client, *state));
        if (!server) {
            report.unchecked.push_back(f.name + ": the server's UID list disagrees with its " +
                                       std::to_string(state->exists) + " EXISTS");
            continue;
        }
        IMM_ASSIGN(auto live, index.live_uids(f.id, *f.uidvalidity));
        for (uint32_t uid : *server)
            if (!std::binary_search(live.begin(), live.end(), uid))
                report.not_archived.push_back(f.name + ": UID " + std::to_string(uid));
        for (uint32_t uid : live)
            if (!std::binary_search(server->begin(), server->end(), uid))
                report.gone_from_server.push_back(f.name + ": UID " + std::to_string(uid));
    }
    return {};
}

}  // namespace imapmirror::sync
