#include "queries/folder_tree.hpp"

#include <algorithm>

namespace imapmirror::queries {

void sort_folders(std::vector<imap::Folder>& folders) {
    std::stable_sort(folders.begin(), folders.end(),
                     [](const imap::Folder& a, const imap::Folder& b) {
                         bool ai = a.entry.raw_name == "INBOX", bi = b.entry.raw_name == "INBOX";
                         if (ai != bi)
                             return ai;
                         return a.entry.name < b.entry.name;
                     });
}

FolderTotals totals(const std::vector<imap::Folder>& folders) {
    FolderTotals t;
    for (const auto& f : folders) {
        if (!f.status)
            continue;
        t.messages += f.status->messages.value_or(0);
        t.unseen += f.status->unseen.value_or(0);
    }
    return t;
}

}  // namespace imapmirror::queries
