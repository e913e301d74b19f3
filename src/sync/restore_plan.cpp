#include "sync/restore_plan.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "imap/append.hpp"
#include "imap/mutf7.hpp"
#include "imap/value.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;

namespace {

std::vector<std::string> split(const std::string& name, std::optional<char> delimiter) {
    std::vector<std::string> out;
    if (!delimiter) {
        out.push_back(name);
        return out;
    }
    size_t pos = 0;
    for (;;) {
        const size_t at = name.find(*delimiter, pos);
        out.push_back(name.substr(pos, at == std::string::npos ? std::string::npos : at - pos));
        if (at == std::string::npos)
            return out;
        pos = at + 1;
    }
}

bool is_inbox(const std::string& name) {
    return imap::iequals(name, "INBOX");
}

// The --folder-map entry for `name`: the longest OLD that is `name` or one of its parents.
const std::pair<std::string, std::string>* mapping_for(const std::string& name,
                                                       std::optional<char> delimiter,
                                                       const RestoreOptions& options) {
    const std::pair<std::string, std::string>* best = nullptr;
    for (const auto& m : options.folder_map) {
        const bool whole = m.first == name;
        const bool parent = delimiter && name.size() > m.first.size() &&
                            name.compare(0, m.first.size(), m.first) == 0 &&
                            name[m.first.size()] == *delimiter;
        if ((whole || parent) && (!best || m.first.size() > best->first.size()))
            best = &m;
    }
    return best;
}

const TargetFolder* special_use_folder(const TargetView& target, const std::string& use) {
    for (const auto& f : target.folders)
        if (imap::iequals(f.special_use, use))
            return &f;
    return nullptr;
}

core::Error unnamable(const index::FolderRecord& folder, std::string why) {
    auto e = core::make_error(ErrorKind::Usage,
                              "folder '" + folder.name + "' cannot be named on the target: " + why,
                              core::Scope::Folder);
    e.folder = folder.name;
    e.hint = "map it with --folder-map '" + folder.name + "=NEW NAME'";
    return e;
}

}  // namespace

uint64_t RestorePlan::messages() const {
    uint64_t n = 0;
    for (const auto& f : folders)
        n += f.to_check.size() + f.to_append.size();
    return n;
}

uint64_t RestorePlan::bytes() const {
    uint64_t n = 0;
    for (const auto& f : folders)
        n += f.bytes;
    return n;
}

Result<std::pair<std::string, std::string>> target_folder_name(const index::FolderRecord& folder,
                                                               const TargetView& target,
                                                               const RestoreOptions& options) {
    std::vector<std::string> components;
    if (const auto* m = mapping_for(folder.name, folder.delimiter, options)) {
        // NEW is written with the target's delimiter; the rest keeps the archive's hierarchy.
        components = split(m->second, target.delimiter);
        auto rest = split(folder.name.substr(std::min(folder.name.size(), m->first.size() + 1)),
                          folder.delimiter);
        if (folder.name.size() > m->first.size())
            components.insert(components.end(), rest.begin(), rest.end());
    } else if (const TargetFolder* same = options.into.empty() && !folder.special_use.empty()
                                              ? special_use_folder(target, folder.special_use)
                                              : nullptr) {
        return std::make_pair(same->name, same->raw_name);
    } else {
        components = split(folder.name, folder.delimiter);
        if (is_inbox(components.front()))
            components.front() = "INBOX";
        if (!options.into.empty()) {
            auto prefix = split(options.into, target.delimiter);
            components.insert(components.begin(), prefix.begin(), prefix.end());
        }
    }
    // Courier keeps every folder below "INBOX.": a name outside the personal namespace
    // cannot be created there.
    if (!target.personal_prefix.empty() && !(components.size() == 1 && is_inbox(components[0]))) {
        std::string prefix = target.personal_prefix;
        if (target.delimiter && !prefix.empty() && prefix.back() == *target.delimiter)
            prefix.pop_back();
        if (!imap::iequals(components.front(), prefix))
            components.insert(components.begin(), prefix);
    }
    std::string name;
    for (const auto& c : components) {
        if (c.empty())
            return unnamable(folder, "it has an empty level");
        if (target.delimiter && c.find(*target.delimiter) != std::string::npos)
            return unnamable(folder, "'" + c + "' holds the target's hierarchy delimiter '" +
                                         std::string(1, *target.delimiter) + "'");
        if (!name.empty())
            name += target.delimiter ? *target.delimiter : '/';
        name += c;
    }
    auto raw = imap::mutf7_encode(name);
    if (!raw)
        return unnamable(folder, raw.error().message);
    return std::make_pair(name, *raw);
}

RestorePlan plan_restore(const ArchiveView& archive, const TargetView& target,
                         const RestoreOptions& options) {
    RestorePlan plan;
    std::vector<std::string> names;
    for (const auto& f : archive.folders)
        names.push_back(f.name);
    plan.unmatched = unmatched_patterns(names, options.include, options.exclude, {});

    std::map<std::string, const TargetFolder*> existing;  // by raw name (INBOX upper-cased)
    for (const auto& t : target.folders)
        existing[is_inbox(t.raw_name) ? "INBOX" : t.raw_name] = &t;
    std::map<std::pair<std::string, int64_t>, const index::RestoreRecord*> records;
    for (const auto& r : archive.records)
        records[{r.target_folder, r.message_id}] = &r;
    std::map<int64_t, std::vector<const index::RestorableMessage*>> by_folder;
    for (const auto& m : archive.messages)
        by_folder[m.folder_id].push_back(&m);

    for (const auto& folder : archive.folders) {
        auto messages = by_folder.find(folder.id);
        if (messages == by_folder.end() ||
            !folder_selected(folder.name, options.include, options.exclude))
            continue;
        FolderRestore fr;
        fr.archive_folder_id = folder.id;
        fr.archive_name = folder.name;
        auto name = target_folder_name(folder, target, options);
        if (!name) {
            fr.error = name.error();
            plan.folders.push_back(std::move(fr));
            continue;
        }
        fr.target_name = name->first;
        fr.target_raw = is_inbox(name->second) ? "INBOX" : name->second;
        auto there = existing.find(fr.target_raw);
        fr.create = there == existing.end();
        if (!fr.create)
            fr.target_uidvalidity = there->second->uidvalidity;
        for (const auto* m : messages->second) {
            auto rec = records.find({fr.target_raw, m->id});
            const index::RestoreRecord* r = rec == records.end() ? nullptr : rec->second;
            if (r && r->state == index::RestoreState::Restored && !fr.create &&
                (!r->uidvalidity || r->uidvalidity == fr.target_uidvalidity)) {
                ++fr.already;
                continue;
            }
            // A folder missing on the target holds nothing to look for.
            const bool look =
                !fr.create && (!target.uidplus || (r && r->state != index::RestoreState::Refused));
            (look ? fr.to_check : fr.to_append).push_back(*m);
            fr.bytes += m->size;
        }
        plan.folders.push_back(std::move(fr));
    }
    return plan;
}

Result<ArchiveView> read_archive(index::ArchiveIndex& index, const RestoreOptions& options) {
    ArchiveView view;
    IMM_ASSIGN(view.folders, index.folders());
    IMM_ASSIGN(view.messages, index::restorable_messages(index.db(), options.include_deleted));
    IMM_ASSIGN(view.records, index::restore_records(index.db(), options.target));
    return view;
}

Result<TargetView> read_target(imap::Client& client) {
    TargetView view;
    const auto& caps = client.capabilities();
    view.uidplus = caps.has("UIDPLUS");
    view.append_limit = imap::append_limit(caps);
    IMM_ASSIGN(auto listing, client.list_folder_tree(true));
    for (const auto& f : listing.folders) {
        if (!f.entry.selectable())
            continue;
        TargetFolder t;
        t.name = f.entry.name;
        t.raw_name = f.entry.raw_name;
        t.delimiter = f.entry.delimiter;
        t.special_use = f.entry.special_use();
        if (f.status && f.status->uidvalidity)
            t.uidvalidity = static_cast<uint32_t>(*f.status->uidvalidity);
        if (is_inbox(t.raw_name) || !view.delimiter)
            view.delimiter = f.entry.delimiter;
        view.folders.push_back(std::move(t));
    }
    if (caps.has("NAMESPACE")) {
        std::optional<std::string> personal;
        IMM_TRY(client.session().run("NAMESPACE", [&](const imap::Response& r) -> Result<void> {
            if (r.data_name() != "NAMESPACE")
                return {};
            IMM_ASSIGN(auto p, imap::parse_namespace_personal(r));
            personal = std::move(p);
            return {};
        }));
        if (personal)
            view.personal_prefix = *personal;
    }
    return view;
}

Result<PlannedRestore> plan_against_target(index::ArchiveIndex& index,
                                           const RestoreOptions& options,
                                           const ConnectFn& connect) {
    PlannedRestore p;
    IMM_ASSIGN(p.archive, read_archive(index, options));
    IMM_ASSIGN(p.client, connect());
    IMM_ASSIGN(p.target, read_target(*p.client));
    p.plan = plan_restore(p.archive, p.target, options);
    return p;
}

}  // namespace imapmirror::sync
