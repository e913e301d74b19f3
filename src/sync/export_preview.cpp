#include "sync/export_preview.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>

#include "index/archive_index.hpp"
#include "store/mirror_layout.hpp"
#include "sync/label_directories.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;
using core::Scope;

const char* to_string(FolderPreview::Change change) {
    switch (change) {
        case FolderPreview::Change::New:
            return "new folder";
        case FolderPreview::Change::NewMail:
            return "changed";
        case FolderPreview::Change::UidValidityChanged:
            return "UIDVALIDITY changed";
        case FolderPreview::Change::Vanished:
            return "gone from the server";
        case FolderPreview::Change::Unreadable:
            return "cannot be read";
    }
    return "?";
}

namespace {

// What the archive knows, by raw name; empty when DIR has no index yet.
struct Archived {
    std::optional<index::ArchiveIndex> index;
    std::map<std::string, index::FolderRecord> folders;
};

Result<Archived> read_archive(const std::string& root) {
    Archived archived;
    const std::string path = root + "/" + store::kIndexFileName;
    if (::access(path.c_str(), F_OK) != 0)
        return archived;
    IMM_ASSIGN(auto index, index::ArchiveIndex::open_read_only(path));
    IMM_ASSIGN(auto folders, index.folders());
    for (auto& f : folders)
        if (!f.deleted)
            archived.folders.emplace(f.raw_name, std::move(f));
    archived.index = std::move(index);
    return archived;
}

// The server's UIDs from `from` on, with their sizes: one `UID FETCH from:* (RFC822.SIZE)`.
Result<std::map<uint32_t, uint64_t>> sizes_from(imap::Client& client, uint32_t from) {
    std::map<uint32_t, uint64_t> sizes;
    IMM_TRY(client.fetch(imap::MessageSet{true, std::to_string(from) + ":*"}, "(UID RFC822.SIZE)",
                         [&](const imap::FetchData& d) -> Result<void> {
                             // "N:*" matches the last message even when its UID is below N.
                             if (d.uid && *d.uid >= from)
                                 sizes[*d.uid] = d.size.value_or(0);
                             return {};
                         }));
    return sizes;
}

// One changed folder: EXAMINE, then what the export's plan would fetch and find expunged.
Result<FolderPreview> preview_folder(imap::Client& client, Archived& archived,
                                     const imap::Folder& listed, const index::FolderRecord* known) {
    FolderPreview p;
    p.name = listed.entry.name;
    p.change = known ? FolderPreview::Change::NewMail : FolderPreview::Change::New;
    IMM_ASSIGN(auto state, client.examine(listed.entry.name));
    if (!state.uidvalidity)
        return core::make_error(ErrorKind::Protocol, "the server gave no UIDVALIDITY",
                                Scope::Folder);
    std::vector<uint32_t> live;
    uint32_t from = 1;
    if (known) {
        if (known->uidvalidity && *known->uidvalidity != *state.uidvalidity)
            p.change = FolderPreview::Change::UidValidityChanged;
        else if (known->uidvalidity && known->uidnext)
            from = std::max<uint32_t>(1, *known->uidnext);
        IMM_ASSIGN(live, archived.index->live_uids(known->id, *state.uidvalidity));
    }
    std::map<uint32_t, uint64_t> sizes;
    if (state.exists > 0) {
        IMM_ASSIGN(sizes, sizes_from(client, from));
    }
    uint64_t still_archived = 0;  // archived messages the server still has
    for (const auto& [uid, size] : sizes) {
        if (std::binary_search(live.begin(), live.end(), uid)) {
            ++still_archived;
            continue;
        }
        ++p.messages;
        p.bytes += size;
    }
    // Below `from` the server's count says how many archived messages remain: EXISTS minus the
    // ones listed from `from` on.
    const auto below =
        static_cast<uint64_t>(std::lower_bound(live.begin(), live.end(), from) - live.begin());
    const uint64_t listed_from = sizes.size();
    const uint64_t remaining_below = state.exists > listed_from ? state.exists - listed_from : 0;
    const uint64_t live_from = live.size() - below;
    p.expunged = (below > remaining_below ? below - remaining_below : 0) +
                 (live_from > still_archived ? live_from - still_archived : 0);
    return p;
}

FolderPreview vanished(const std::string& name) {
    FolderPreview p;
    p.name = name;
    p.change = FolderPreview::Change::Vanished;
    return p;
}

}  // namespace

Result<ExportPreview> preview_export(const ConnectFn& connect, const ExportOptions& options) {
    IMM_ASSIGN(auto archived, read_archive(options.root));
    ExportPreview preview;
    preview.archive_exists = archived.index.has_value();
    IMM_ASSIGN(auto client, connect());
    IMM_ASSIGN(auto listing, client->list_folder_tree(true));
    for (auto& e : listing.errors)
        if (e.folder.empty())
            preview.errors.push_back(std::move(e));

    // By raw name, each once, as the export selects them.
    std::map<std::string, const imap::Folder*> selected;
    for (const auto& f : listing.folders)
        if (folder_selected(f.entry.name, options.include, options.exclude))
            selected.emplace(f.entry.raw_name, &f);
    preview.folders_selected = selected.size();
    // Gmail: labels are folders; only All Mail, Spam and Trash are downloaded, as the export does.
    preview.gmail_single_instance = gmail_single_instance(
        client->capabilities(), options,
        std::any_of(selected.begin(), selected.end(),
                    [](const auto& f) { return f.second->entry.special_use() == "\\All"; }));

    auto unreadable = [&](const std::string& name, core::Error e) {
        FolderPreview p;
        p.name = name;
        e = std::move(e).with_folder(name);
        p.change = FolderPreview::Change::Unreadable;
        p.error = e;
        preview.errors.push_back(std::move(e));
        preview.changed.push_back(std::move(p));
    };
    for (const auto& [raw_name, listed] : selected) {
        auto it = archived.folders.find(raw_name);
        const index::FolderRecord* known = it == archived.folders.end() ? nullptr : &it->second;
        if (listed->error) {
            unreadable(listed->entry.name, *listed->error);
            continue;
        }
        if (preview.gmail_single_instance && !archived_once(listed->entry.special_use())) {
            ++preview.label_folders;
            continue;
        }
        if (!listed->entry.selectable() || (known && folder_unchanged(*known, listed->status))) {
            preview.folders_unchanged += listed->entry.selectable() ? 1 : 0;
            continue;
        }
        auto folder = preview_folder(*client, archived, *listed, known);
        if (!folder) {
            // A folder the server refused before is skipped quietly, as the export does.
            if (known && known->examine_refused)
                continue;
            if (client->session().broken())
                return std::move(folder).error();
            unreadable(listed->entry.name, std::move(folder).error());
            continue;
        }
        if (folder->change == FolderPreview::Change::NewMail && folder->messages == 0 &&
            folder->expunged == 0) {
            ++preview.folders_unchanged;  // flag changes only
            continue;
        }
        preview.messages += folder->messages;
        preview.bytes += folder->bytes;
        preview.changed.push_back(std::move(*folder));
    }
    for (const auto& [raw_name, known] : archived.folders)
        if (!selected.count(raw_name) &&
            folder_selected(known.name, options.include, options.exclude))
            preview.changed.push_back(vanished(known.name));
    std::sort(preview.changed.begin(), preview.changed.end(),
              [](const FolderPreview& a, const FolderPreview& b) { return a.name < b.name; });
    client->logout();
    return preview;
}

}  // namespace imapmirror::sync
