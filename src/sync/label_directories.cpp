#include "sync/label_directories.hpp"

#include <cstring>
#include <map>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "store/label_link.hpp"

namespace imapmirror::sync {

using core::Result;

bool archived_once(std::string_view special_use) {
    return special_use == "\\All" || special_use == "\\Junk" || special_use == "\\Trash";
}

const index::FolderRecord* folder_of_label(const std::string& label,
                                           const std::vector<index::FolderRecord>& folders) {
    // System labels as Gmail names them (X-GM-LABELS) and the special use (RFC 6154) of the
    // folder it shows them in.
    static const std::map<std::string, std::string> kSystem = {{"\\Sent", "\\Sent"},
                                                               {"\\Draft", "\\Drafts"},
                                                               {"\\Starred", "\\Flagged"},
                                                               {"\\Important", "\\Important"}};
    const index::FolderRecord* found = nullptr;
    for (const auto& f : folders) {
        if (f.deleted || archived_once(f))
            continue;
        bool match = false;
        if (label == "\\Inbox")
            match = core::ascii_upper(f.name) == "INBOX";
        else if (auto it = kSystem.find(label); it != kSystem.end())
            match = f.special_use == it->second;
        else if (label.empty() || label[0] != '\\')
            match = f.name == label;
        if (match) {
            found = &f;
            break;
        }
    }
    return found;
}

namespace {

std::string base_name(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Result<void> link_label_directories(const store::ArchiveRoot& root, index::ArchiveIndex& index,
                                    ExportSummary& summary, store::LinkAt link_at) {
    IMM_ASSIGN(auto folders, index.folders());
    IMM_ASSIGN(auto labelled, index.labelled_messages());
    IMM_ASSIGN(auto made, index.label_links());

    // Link path -> (message row, its .eml), from the labels as the server last said them.
    std::map<std::string, std::pair<int64_t, std::string>> wanted;
    for (const auto& l : labelled) {
        const auto* folder = folder_of_label(l.label, folders);
        if (folder)
            wanted.emplace(folder->path + "/" + base_name(l.path),
                           std::make_pair(l.message_id, l.path));
    }
    std::map<std::string, int64_t> present;
    std::map<int64_t, size_t> copies;  // per message: copies kept, at most kMaxLabelCopies
    for (const auto& link : made) {
        auto it = wanted.find(link.path);
        if (it != wanted.end() && it->second.first == link.message_id) {
            present.emplace(link.path, link.message_id);
            copies[link.message_id] += link.copied ? 1 : 0;
            continue;
        }
        IMM_TRY(store::remove_link(root, link.path));
        IMM_TRY(index.remove_label_link(link.path));
        ++summary.label_links_removed;
    }
    for (const auto& [path, message] : wanted) {
        if (present.count(path))
            continue;
        const auto may_copy = copies[message.first] < kMaxLabelCopies ? store::Copies::Allowed
                                                                      : store::Copies::Refused;
        auto linked = store::link_or_copy(root, message.second, path, link_at, may_copy);
        if (!linked && linked.error().scope == core::Scope::Message) {
            summary.errors.push_back(std::move(linked).error());
            continue;
        }
        if (!linked)
            return std::move(linked).error();
        if (linked->made == store::LinkMade::NotMade) {
            ++summary.label_links_skipped;
            continue;
        }
        const bool copied = linked->made == store::LinkMade::Copied;
        copies[message.first] += copied ? 1 : 0;
        if (copied && !summary.label_links_copied) {
            summary.label_links_copied = true;
            core::log(core::LogLevel::Normal,
                      "hard links are not possible in " + root.path() + " (" +
                          std::strerror(linked->refused_errno) +
                          "): label directories get copies of the messages, which take disk "
                          "space");
        }
        IMM_TRY(index.add_label_link(index::LabelLink{path, message.first, copied}));
        ++summary.label_links_added;
    }
    return {};
}

}  // namespace imapmirror::sync
