#include "sync/restore_plan.hpp"

#include <algorithm>
#include <array>
#include <cstring>
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
    if (target.utf8)  // RFC 6855 section 3: the name itself
        return std::make_pair(name, name);
    auto raw = imap::mutf7_encode(name);
    if (!raw)
        return unnamable(folder, raw.error().message);
    return std::make_pair(name, *raw);
}

namespace {

bool is_special(const index::FolderRecord& folder, const char* use) {
    return imap::iequals(folder.special_use, use);
}

// The folder a Gmail label becomes on a server without labels, as if it had been archived;
// "" is the folder of messages with no label.
index::FolderRecord label_folder(const std::string& label, int64_t id) {
    static constexpr std::array<std::array<const char*, 3>, 5> kSystem{{
        {"\\Inbox", "INBOX", ""},
        {"\\Sent", "Sent", "\\Sent"},
        {"\\Draft", "Drafts", "\\Drafts"},
        {"\\Starred", "Starred", "\\Flagged"},
        {"\\Important", "Important", "\\Important"},
    }};
    index::FolderRecord f;
    f.id = id;
    f.delimiter = '/';  // Gmail's
    f.name = label.empty() ? kUnlabelledFolder : label;
    if (label.empty())
        f.special_use = "\\Archive";
    else if (label[0] == '\\')
        f.name = label.substr(1);
    for (const auto& s : kSystem)
        if (imap::iequals(label, s[0])) {
            f.name = s[1];
            f.special_use = s[2];
        }
    f.raw_name = f.name;
    return f;
}

// The Gmail label an archived folder's messages get on a Gmail target; "" for none.
Result<std::string> folder_label(const index::FolderRecord& folder, const TargetView& target,
                                 const RestoreOptions& options) {
    static constexpr std::array<std::array<const char*, 2>, 6> kUses{{
        {"\\Sent", "\\Sent"},
        {"\\Drafts", "\\Draft"},
        {"\\Flagged", "\\Starred"},
        {"\\Important", "\\Important"},
        {"\\All", ""},
        {"\\Archive", ""},
    }};
    if (is_inbox(folder.name) && options.into.empty())
        return std::string("\\Inbox");
    if (options.into.empty())
        for (const auto& u : kUses)
            if (is_special(folder, u[0]))
                return std::string(u[1]);
    index::FolderRecord plain = folder;
    plain.special_use.clear();
    IMM_ASSIGN(auto name, target_folder_name(plain, target, options));
    return name.first;
}

// Fills one FolderRestore message by message against the restore log.
class Planner {
  public:
    Planner(const ArchiveView& archive, const TargetView& target, const RestoreOptions& options)
        : m_target(target), m_options(options) {
        for (const auto& t : target.folders)
            m_existing[is_inbox(t.raw_name) ? "INBOX" : t.raw_name] = &t;
        for (const auto& r : archive.records)
            m_records[{r.target_folder, r.message_id}] = &r;
        for (const auto& a : archive.applied)
            m_applied[{a.target_folder, a.message_id}].insert(a.label);
    }

    // The target folder of `fr`, from `folder`; false (fr.error set) when it has no name there.
    bool name(FolderRestore& fr, const index::FolderRecord& folder) {
        auto name = target_folder_name(folder, m_target, m_options);
        if (!name) {
            fr.error = name.error();
            return false;
        }
        fr.target_name = name->first;
        at(fr, is_inbox(name->second) ? "INBOX" : name->second);
        return true;
    }
    void at(FolderRestore& fr, const std::string& raw) {
        fr.target_raw = raw;
        auto there = m_existing.find(raw);
        fr.create = there == m_existing.end();
        fr.append_limit = m_target.append_limit;
        if (!fr.create) {
            fr.target_uidvalidity = there->second->uidvalidity;
            const auto& own = there->second->append_limit;
            if (own && (!fr.append_limit || *own < *fr.append_limit))
                fr.append_limit = own;
        }
    }

    // One message into `fr`: already there, labels only, looked for first, or sent. `labels`:
    // the Gmail labels it carries on a Gmail target.
    void add(FolderRestore& fr, const index::RestorableMessage& m,
             const std::set<std::string>& labels) {
        const index::RestoreRecord* r = record_of(fr, m.id);
        std::vector<std::string> missing;
        if (!labels.empty()) {
            const auto& done = m_applied[{fr.target_raw, m.id}];
            for (const auto& l : labels)
                if (!done.count(l))
                    missing.push_back(l);
        }
        const bool restored = r && r->state == index::RestoreState::Restored && !fr.create &&
                              (!r->uidvalidity || r->uidvalidity == fr.target_uidvalidity);
        if (restored && missing.empty()) {
            ++fr.already;
            return;
        }
        if (!missing.empty())
            fr.labels[m.id] = missing;
        if (restored && r->uid) {
            fr.to_label.push_back({m.id, *r->uid});
            return;
        }
        // A folder missing on the target holds nothing to look for.
        const bool look =
            !fr.create && (!m_target.uidplus || (r && r->state != index::RestoreState::Refused));
        (look ? fr.to_check : fr.to_append).push_back(m);
        fr.bytes += m.size;
    }

  private:
    // The restore log's row for message `id` in `fr`'s folder: under its name as sent, else,
    // with UTF-8 names, under the modified UTF-7 name an earlier run sent.
    const index::RestoreRecord* record_of(const FolderRestore& fr, int64_t id) const {
        auto rec = m_records.find({fr.target_raw, id});
        if (rec != m_records.end())
            return rec->second;
        if (!m_target.utf8)
            return nullptr;
        auto mutf7 = imap::mutf7_encode(fr.target_raw);
        if (!mutf7 || *mutf7 == fr.target_raw)
            return nullptr;
        rec = m_records.find({*mutf7, id});
        return rec == m_records.end() ? nullptr : rec->second;
    }

    const TargetView& m_target;
    const RestoreOptions& m_options;
    std::map<std::string, const TargetFolder*> m_existing;  // by raw name (INBOX upper-cased)
    std::map<std::pair<std::string, int64_t>, const index::RestoreRecord*> m_records;
    std::map<std::pair<std::string, int64_t>, std::set<std::string>> m_applied;
};

}  // namespace

std::string label_keyword(const std::string& label) {
    if (!label.empty() && label[0] == '\\')
        return "$" + label.substr(1);
    auto encoded = imap::mutf7_encode(label);
    std::string out = encoded ? *encoded : label;
    for (char& c : out) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || std::strchr("(){%*\"\\]", c))
            c = '_';
    }
    return out.empty() ? "_" : out;
}

RestorePlan plan_restore(const ArchiveView& archive, const TargetView& target,
                         const RestoreOptions& options) {
    RestorePlan plan;
    std::vector<std::string> names;
    for (const auto& f : archive.folders)
        names.push_back(f.name);
    plan.unmatched = unmatched_patterns(names, options.include, options.exclude, {});

    Planner planner(archive, target, options);
    std::map<int64_t, std::vector<const index::RestorableMessage*>> by_folder;
    for (const auto& m : archive.messages)
        by_folder[m.folder_id].push_back(&m);
    std::map<int64_t, std::set<std::string>> labels_of;  // archived message id -> labels
    for (const auto& l : archive.labels)
        labels_of[l.message_id].insert(l.label);
    const TargetFolder* all_mail = target.gmail ? special_use_folder(target, "\\All") : nullptr;
    // A Gmail archive's All Mail, read by label (labels recorded, single-instance mode).
    auto by_label = [&](const index::FolderRecord& f) {
        return is_special(f, "\\All") && !labels_of.empty();
    };
    auto unlabelled_on_gmail = [&](const index::FolderRecord& f) {
        return is_special(f, "\\Junk") || is_special(f, "\\Trash");
    };

    // Into Gmail, a message held by several folders (the same bytes) is appended once: the
    // first of them in archive order carries the labels of all.
    std::map<std::string, int64_t> first_of;          // SHA-256 -> archived message id
    std::map<int64_t, std::set<std::string>> wanted;  // that id -> its labels on the target
    std::map<int64_t, core::Error> label_errors;      // folder id -> why it has no label
    if (all_mail)
        for (const auto& folder : archive.folders) {
            auto messages = by_folder.find(folder.id);
            if (messages == by_folder.end() || unlabelled_on_gmail(folder) ||
                !folder_selected(folder.name, options.include, options.exclude))
                continue;
            std::set<std::string> of_folder;
            if (!by_label(folder)) {
                auto label = folder_label(folder, target, options);
                if (!label) {
                    label_errors.emplace(folder.id, label.error());
                    continue;
                }
                if (!label->empty())
                    of_folder.insert(*label);
            }
            for (const auto* m : messages->second) {
                const int64_t first =
                    m->sha256.empty() ? m->id : first_of.emplace(m->sha256, m->id).first->second;
                const auto& own = by_label(folder) ? labels_of[m->id] : of_folder;
                wanted[first].insert(own.begin(), own.end());
            }
        }

    for (const auto& folder : archive.folders) {
        auto messages = by_folder.find(folder.id);
        if (messages == by_folder.end() ||
            !folder_selected(folder.name, options.include, options.exclude))
            continue;
        FolderRestore fr;
        fr.archive_folder_id = folder.id;
        fr.archive_name = folder.name;
        if (all_mail && !unlabelled_on_gmail(folder)) {
            if (auto e = label_errors.find(folder.id); e != label_errors.end()) {
                fr.error = e->second;
                plan.folders.push_back(std::move(fr));
                continue;
            }
            fr.target_name = all_mail->name;
            planner.at(fr, all_mail->raw_name);
            for (const auto* m : messages->second) {
                auto first = m->sha256.empty() ? first_of.end() : first_of.find(m->sha256);
                if (first == first_of.end() || first->second == m->id)
                    planner.add(fr, *m, wanted[m->id]);
            }
            plan.folders.push_back(std::move(fr));
            continue;
        }
        if (!target.gmail && by_label(folder) && options.labels_as == LabelsAs::Folders) {
            // One copy per label, each label's folder a restore of its own.
            std::map<std::string, std::vector<const index::RestorableMessage*>> copies;
            for (const auto* m : messages->second) {
                const auto& labels = labels_of[m->id];
                if (labels.empty())
                    copies[""].push_back(m);
                for (const auto& l : labels)
                    copies[l].push_back(m);
            }
            for (const auto& [label, list] : copies) {
                const auto record = label_folder(label, folder.id);
                if (!folder_selected(record.name, options.include, options.exclude))
                    continue;
                FolderRestore lr;
                lr.archive_folder_id = folder.id;
                lr.archive_name = folder.name + " (" + (label.empty() ? "no label" : label) + ")";
                if (planner.name(lr, record))
                    for (const auto* m : list)
                        planner.add(lr, *m, {});
                plan.folders.push_back(std::move(lr));
            }
            continue;
        }
        if (!planner.name(fr, folder)) {
            plan.folders.push_back(std::move(fr));
            continue;
        }
        const bool keywords = !target.gmail && by_label(folder);
        for (const auto* m : messages->second) {
            if (!keywords) {
                planner.add(fr, *m, {});
                continue;
            }
            index::RestorableMessage with_keywords = *m;
            for (const auto& l : labels_of[m->id])
                with_keywords.flags += (with_keywords.flags.empty() ? "" : " ") + label_keyword(l);
            planner.add(fr, with_keywords, {});
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
    IMM_ASSIGN(view.labels, index::archived_labels(index.db()));
    IMM_ASSIGN(view.applied, index::restored_labels(index.db(), options.target));
    return view;
}

Result<TargetView> read_target(imap::Client& client) {
    TargetView view;
    const auto& caps = client.capabilities();
    view.uidplus = caps.has("UIDPLUS");
    view.append_limit = imap::append_limit(caps);
    // Before LIST, so that the names it gives are UTF-8 too. Gmail's label STOREs are written
    // in modified UTF-7 (gmail_label_list), so its session stays as it is.
    if (!caps.has("X-GM-EXT-1")) {
        IMM_ASSIGN(view.utf8, client.enable_utf8());
    }
    IMM_ASSIGN(auto listing, client.list_folder_tree(true, imap::Client::kMaxListingBytes, true));
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
        if (f.status)
            t.append_limit = f.status->append_limit;
        if (is_inbox(t.raw_name) || !view.delimiter)
            view.delimiter = f.entry.delimiter;
        view.folders.push_back(std::move(t));
    }
    view.gmail = caps.has("X-GM-EXT-1") && special_use_folder(view, "\\All");
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

core::Result<std::vector<std::pair<std::string, std::string>>> parse_folder_map(
    const std::vector<std::string>& entries) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& m : entries) {
        const size_t eq = m.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == m.size())
            return core::make_error(core::ErrorKind::Usage,
                                    "--folder-map '" + m + "' is not OLD=NEW", core::Scope::Run);
        out.emplace_back(m.substr(0, eq), m.substr(eq + 1));
    }
    return out;
}

}  // namespace imapmirror::sync
