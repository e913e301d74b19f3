#include "sync/label_directories.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>
#include <map>
#include <set>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "index/archived_names.hpp"
#include "index/label_reads.hpp"
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

// The files index rows call messages in `directory` (folders not archived_once(), deleted
// ones included): in an archive made with --gmail-labels-as-folders, a label's folder holds
// its own archived copies, under names a link may share.
Result<std::set<std::string>> message_files_in(index::ArchiveIndex& index,
                                               const std::vector<index::FolderRecord>& folders,
                                               const std::string& directory) {
    std::set<std::string> files;
    for (const auto& f : folders) {
        if (archived_once(f) || f.path != directory)
            continue;
        IMM_ASSIGN(auto paths, index::message_files(index, f.id));
        files.insert(std::make_move_iterator(paths.begin()), std::make_move_iterator(paths.end()));
    }
    return files;
}

// True when a file (not a link, not a directory) is at `path`, relative to DIR.
bool link_in_place(const store::ArchiveRoot& root, const std::string& path) {
    struct stat st {};
    return ::fstatat(root.fd(), path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

namespace {

// One label directory's state: what the run found, and what it changes.
struct LabelPhase {
    const store::ArchiveRoot& root;
    index::ArchiveIndex& index;
    ExportSummary& summary;
    core::FileSystem& fs;
    std::map<int64_t, size_t> copies;  // per message: copies kept, at most kMaxLabelCopies
};

// Makes `directory` hold a link for each message with one of `labels` (the labels shown in
// it) and no other link of ours.
Result<void> relabel_directory(LabelPhase& run, const std::vector<index::FolderRecord>& folders,
                               const std::string& directory,
                               const std::vector<std::string>& labels) {
    // Link path -> (message row, its .eml), from the labels as the server last said them.
    std::map<std::string, std::pair<int64_t, std::string>> wanted;
    for (const auto& label : labels) {
        IMM_ASSIGN(auto labelled, index::messages_labelled(run.index, label));
        for (auto& [id, path] : labelled) {
            std::string link = directory + "/" + base_name(path);
            wanted.emplace(std::move(link), std::make_pair(id, std::move(path)));
        }
    }
    IMM_ASSIGN(auto made, index::label_links_in(run.index, directory));
    IMM_ASSIGN(auto messages, message_files_in(run.index, folders, directory));

    std::set<std::string> present;
    for (const auto& link : made) {
        auto it = wanted.find(link.path);
        const bool wanted_here = it != wanted.end() && it->second.first == link.message_id;
        if (wanted_here && !messages.count(link.path) && link_in_place(run.root, link.path)) {
            present.insert(link.path);
            continue;
        }
        // Not kept as it is: its copy no longer counts against the message's copies.
        if (link.copied && run.copies[link.message_id] > 0)
            --run.copies[link.message_id];
        // A row over an archived message's own file (earlier versions adopted such a file as
        // a link when it had the link's bytes): the row goes, the message stays.
        if (messages.count(link.path)) {
            IMM_TRY(run.index.remove_label_link(link.path));
            continue;
        }
        // A row whose link is missing (a run killed between the two) is made again below.
        if (wanted_here)
            continue;
        IMM_TRY(store::remove_link(run.root, link.path));
        IMM_TRY(run.index.remove_label_link(link.path));
        ++run.summary.label_links_removed;
    }
    for (const auto& [path, message] : wanted) {
        // The name holds a message of the label folder's own archive: it is never taken over
        // as a link, so that removing the label can never remove it.
        if (present.count(path) || messages.count(path))
            continue;
        auto& copies = run.copies[message.first];
        const auto may_copy =
            copies < kMaxLabelCopies ? store::Copies::Allowed : store::Copies::Refused;
        // The row first, then the link: a run killed between them leaves a row whose link
        // the next run makes, or removes (the name is gone either way). The other order could
        // leave a link that no row knows, in a directory the export never cleans.
        IMM_TRY(run.index.add_label_link(index::LabelLink{path, message.first, false}));
        auto linked = store::link_or_copy(run.root, message.second, path, run.fs, may_copy);
        if (!linked || linked->made == store::LinkMade::NotMade) {
            // Nothing of ours is at the name: the row goes (the index's own error first).
            IMM_TRY(run.index.remove_label_link(path));
            if (linked) {
                ++run.summary.label_links_skipped;
                continue;
            }
            if (linked.error().scope != core::Scope::Message)
                return std::move(linked).error();
            run.summary.errors.push_back(std::move(linked).error());
            continue;
        }
        const bool copied = linked->made == store::LinkMade::Copied;
        copies += copied ? 1 : 0;
        if (copied && !run.summary.label_links_copied) {
            run.summary.label_links_copied = true;
            core::log(core::LogLevel::Normal,
                      "hard links are not possible in " + run.root.path() + " (" +
                          std::strerror(linked->refused_errno) +
                          "): label directories get copies of the messages, which take disk "
                          "space");
        }
        if (copied)
            IMM_TRY(run.index.add_label_link(index::LabelLink{path, message.first, true}));
        ++run.summary.label_links_added;
    }
    return {};
}

}  // namespace

Result<void> link_label_directories(const store::ArchiveRoot& root, index::ArchiveIndex& index,
                                    ExportSummary& summary, core::FileSystem& fs) {
    IMM_ASSIGN(auto folders, index.folders());
    // Directory -> the labels shown in it; every directory with a link row is visited too, so
    // that links of a label gone (or of a folder deleted) are removed.
    std::map<std::string, std::vector<std::string>> directories;
    IMM_ASSIGN(auto labels, index::label_names(index));
    for (auto& label : labels)
        if (const auto* folder = folder_of_label(label, folders))
            directories[folder->path].push_back(std::move(label));
    IMM_ASSIGN(auto linked_directories, index::label_link_directories(index));
    for (auto& d : linked_directories)
        directories.try_emplace(std::move(d));

    LabelPhase run{root, index, summary, fs, {}};
    IMM_ASSIGN(run.copies, index::copied_links_per_message(index));
    for (const auto& [directory, shown] : directories)
        IMM_TRY(relabel_directory(run, folders, directory, shown));
    return {};
}

}  // namespace imapmirror::sync
