#include "sync/export_preview.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>

#include "index/archive_index.hpp"
#include "store/mirror_layout.hpp"
#include "sync/archive.hpp"
#include "sync/body_fetcher.hpp"
#include "sync/identity_decision.hpp"
#include "sync/run_plan.hpp"

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
    const std::string path = index_path(root);
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

// One changed folder as the export would plan it (run_plan.hpp: the same decision, not
// applied), with the sizes of what it would fetch.
Result<std::optional<FolderPreview>> preview_folder(imap::Client& client, Archived& archived,
                                                    const imap::Folder& listed,
                                                    const index::FolderRecord* known) {
    index::FolderRecord fresh;
    fresh.name = listed.entry.name;
    fresh.raw_name = listed.entry.raw_name;
    const index::FolderRecord& folder = known ? *known : fresh;
    IndexReads reads(archived.index ? &*archived.index : nullptr);
    const auto uidnext = listed.status ? listed.status->uidnext : std::nullopt;
    IMM_ASSIGN(auto decision, plan_folder(client, reads, folder, uidnext));
    FolderPreview p;
    p.name = listed.entry.name;
    p.change = known ? FolderPreview::Change::NewMail : FolderPreview::Change::New;
    switch (decision.kind) {
        case FolderDecision::Kind::Skip:  // refused again: skipped quietly, as the export does
        case FolderDecision::Kind::Vanished:
            return std::optional<FolderPreview>();
        case FolderDecision::Kind::Error:
            p.change = FolderPreview::Change::Unreadable;
            p.error = std::move(decision.error);
            return std::optional<FolderPreview>(std::move(p));
        case FolderDecision::Kind::Plan:
            break;
    }
    const auto& plan = decision.plan;
    if (known && known->uidvalidity && *known->uidvalidity != *plan.state.uidvalidity)
        p.change = FolderPreview::Change::UidValidityChanged;
    IMM_ASSIGN(auto sizes, message_sizes(client, plan.to_fetch));
    p.messages = plan.to_fetch.size();
    for (const auto& m : sizes)
        p.bytes += m.size;
    p.expunged = plan.expunged.size() + plan.expunged_rows.size();
    p.error = plan.discrepancy;
    return std::optional<FolderPreview>(std::move(p));
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
    // Another account's archive is refused here as the export refuses it, before a connection.
    if (archived.index) {
        IMM_ASSIGN(auto recorded, index::read_account_identity(archived.index->db()));
        IMM_ASSIGN(int64_t archived_messages, archived.index->max_message_id());
        IMM_ASSIGN(
            preview.identity_change,
            decide_identity(recorded, options.identity, options.repoint_archive,
                            archived_messages > 0 || !archived.folders.empty(), options.root));
        preview.recorded_identity = std::move(recorded);
    } else {
        preview.identity_change = IdentityChange::Recorded;
    }
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
        if (auto skip = skip_from_listing(*listed, known, preview.gmail_single_instance)) {
            if (*skip == SkipReason::GmailLabel)
                preview.label_folders += listed->entry.selectable() ? 1 : 0;
            if (*skip == SkipReason::Unchanged)
                ++preview.folders_unchanged;
            continue;
        }
        auto folder = preview_folder(*client, archived, *listed, known);
        if (!folder) {
            if (client->session().broken())
                return std::move(folder).error();
            unreadable(listed->entry.name, std::move(folder).error());
            continue;
        }
        if (!*folder)
            continue;
        auto& p = **folder;
        if (p.change == FolderPreview::Change::Unreadable) {
            unreadable(p.name, std::move(*p.error));
            continue;
        }
        if (p.error)  // planned, but the server's counts do not add up: the export says so too
            preview.errors.push_back(*p.error);
        if (p.change == FolderPreview::Change::NewMail && p.messages == 0 && p.expunged == 0) {
            ++preview.folders_unchanged;  // flag changes only
            continue;
        }
        preview.messages += p.messages;
        preview.bytes += p.bytes;
        preview.changed.push_back(std::move(p));
    }
    for (const auto& [raw_name, known] : archived.folders)
        if (folder_vanished(known, selected.count(raw_name) > 0, options))
            preview.changed.push_back(vanished(known.name));
    std::sort(preview.changed.begin(), preview.changed.end(),
              [](const FolderPreview& a, const FolderPreview& b) { return a.name < b.name; });
    client->logout();
    return preview;
}

}  // namespace imapmirror::sync
