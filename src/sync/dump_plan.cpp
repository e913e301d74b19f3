#include "sync/dump_plan.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "index/archive_index.hpp"
#include "store/mirror_layout.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;

namespace {

// The path with links resolved as far as it exists, the rest normalised.
std::string resolved(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
    std::string s = ec ? path : p.lexically_normal().string();
    while (s.size() > 1 && s.back() == '/')
        s.pop_back();
    return s;
}

bool inside(const std::string& outer, const std::string& inner) {
    return inner == outer ||
           (inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
            (outer == "/" || inner[outer.size()] == '/'));
}

core::Error skipped_folder(const std::string& folder, std::string message) {
    auto e = core::make_error(ErrorKind::Corrupt, std::move(message), core::Scope::Folder);
    e.folder = folder;
    return e;
}

}  // namespace

MaildirChanges plan_maildir_folder(const std::vector<index::LiveMessage>& messages,
                                   const std::vector<store::MaildirFile>& present) {
    std::map<store::MaildirKey, std::vector<const store::MaildirFile*>> by_key;
    for (const auto& file : present)
        by_key[file.key].push_back(&file);
    MaildirChanges changes;
    for (const auto& m : messages) {
        const store::MaildirKey key{m.uidvalidity, m.uid};
        const std::string name = store::maildir_name(key, m.flags);
        auto it = by_key.find(key);
        if (it == by_key.end()) {
            changes.add.push_back({m, name});
            continue;
        }
        auto& files = it->second;
        auto kept = files.begin();
        for (auto f = files.begin(); f != files.end(); ++f)
            if (!(*f)->in_new && (*f)->name == name)
                kept = f;
        if ((*kept)->in_new || (*kept)->name != name)
            changes.rename.push_back({**kept, name});
        else
            ++changes.unchanged;
        for (auto f = files.begin(); f != files.end(); ++f)
            if (f != kept)
                changes.remove.push_back(**f);
        by_key.erase(it);
    }
    for (const auto& [key, files] : by_key)
        for (const auto* f : files)
            changes.remove.push_back(*f);
    return changes;
}

Result<void> check_apart(const std::string& archive, const std::string& target) {
    const std::string a = resolved(archive), t = resolved(target);
    std::string what;
    if (a == t)
        what = "is the archive itself";
    else if (inside(a, t))
        what = "lies inside the archive " + archive;
    else if (inside(t, a))
        what = "holds the archive " + archive;
    if (what.empty())
        return {};
    auto e = core::make_error(ErrorKind::Usage, "the dump target " + target + " " + what,
                              core::Scope::Run);
    e.hint = "dump to a directory outside the archive (dump never writes into it)";
    return e;
}

Result<DumpPlan> plan_dump(const DumpOptions& options) {
    IMM_TRY(check_apart(options.archive, options.target));
    IMM_ASSIGN(auto index,
               index::ArchiveIndex::open_read_only(options.archive + "/" + store::kIndexFileName));
    IMM_ASSIGN(auto folders, index.folders());
    DumpPlan plan;
    plan.format = options.format;
    std::vector<std::string> names;
    for (const auto& f : folders)
        if (f.selectable)
            names.push_back(f.name);
    plan.unmatched = unmatched_patterns(names, options.include, options.exclude, {});

    // Nothing is created in PATH while planning: a missing target holds nothing yet.
    std::optional<store::ArchiveRoot> target;
    struct stat st {};
    if (::stat(options.target.c_str(), &st) == 0) {
        IMM_ASSIGN(auto root, store::ArchiveRoot::open(options.target));
        target.emplace(std::move(root));
    }
    const bool maildir = options.format == DumpFormat::Maildir;
    size_t selected = 0;
    std::set<std::string> taken;
    for (const auto& f : folders) {
        if (!f.selectable || !folder_selected(f.name, options.include, options.exclude))
            continue;
        ++selected;
        // An mbox is rewritten whole: a folder gone from the server keeps its last one.
        if (f.deleted && !maildir)
            continue;
        DumpFolder d;
        d.name = f.name;
        d.vanished = f.deleted;
        d.target = maildir ? store::maildir_folder_path(f.path) : f.path + ".mbox";
        if (!taken.insert(d.target).second) {
            plan.skipped.push_back(skipped_folder(f.name, "another folder is dumped to " +
                                                              options.target + "/" + d.target +
                                                              "; this one is left out"));
            continue;
        }
        if (!f.deleted) {
            IMM_ASSIGN(d.messages, index::live_messages(index, f.id));
        }
        if (maildir) {
            std::vector<store::MaildirFile> present;
            if (target) {
                auto folder = store::MaildirFolder::open(*target, d.target, false);
                if (!folder && folder.error().scope == core::Scope::Folder) {
                    core::Error e = folder.error();
                    plan.skipped.push_back(std::move(e).with_folder(f.name));
                    continue;
                }
                if (!folder)
                    return folder.error();
                if (*folder) {
                    IMM_ASSIGN(present, (*folder)->files());
                }
            }
            if (d.vanished && present.empty())
                continue;
            d.changes = plan_maildir_folder(d.messages, present);
        }
        plan.folders.push_back(std::move(d));
    }
    if (selected == 0) {
        auto e = core::make_error(ErrorKind::NothingSelected,
                                  "no folder selected: --include/--exclude leave none of the " +
                                      std::to_string(names.size()) + " folders of the archive",
                                  core::Scope::Run);
        e.hint = names.empty() ? "the archive holds no folder yet: run export first"
                               : "check the patterns (INBOX matches in any case, others as "
                                 "written; `imapmirror search` or the index list the names)";
        return e;
    }
    return plan;
}

}  // namespace imapmirror::sync
