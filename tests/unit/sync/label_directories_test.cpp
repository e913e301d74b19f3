#include "sync/label_directories.hpp"

#include <catch2/catch.hpp>

using namespace imapmirror;

namespace {

index::FolderRecord folder(std::string name, std::string special_use = "") {
    index::FolderRecord f;
    f.name = f.raw_name = f.path = std::move(name);
    f.special_use = std::move(special_use);
    return f;
}

}  // namespace

TEST_CASE("label directories: system labels go where Gmail shows them, user labels by name",
          "[sync][gmail]") {
    const std::vector<index::FolderRecord> folders = {
        folder("[Gmail]/All Mail", "\\All"),
        folder("[Gmail]/Trash", "\\Trash"),
        folder("[Gmail]/Spam", "\\Junk"),
        folder("INBOX"),
        folder("[Gmail]/Sent Mail", "\\Sent"),
        folder("[Gmail]/Drafts", "\\Drafts"),
        folder("[Gmail]/Starred", "\\Flagged"),
        folder("[Gmail]/Important", "\\Important"),
        folder("Work/Q1"),
        folder("Ärger"),
    };
    auto name_of = [&](const std::string& label) {
        const auto* f = sync::folder_of_label(label, folders);
        return f ? f->name : std::string("-");
    };
    CHECK(name_of("\\Inbox") == "INBOX");
    CHECK(name_of("\\Sent") == "[Gmail]/Sent Mail");
    CHECK(name_of("\\Draft") == "[Gmail]/Drafts");
    CHECK(name_of("\\Starred") == "[Gmail]/Starred");
    CHECK(name_of("\\Important") == "[Gmail]/Important");
    CHECK(name_of("Work/Q1") == "Work/Q1");
    CHECK(name_of("Ärger") == "Ärger");
    // Labels with no folder, and the folders archived themselves, get no links.
    CHECK(name_of("\\Muted") == "-");
    CHECK(name_of("Nowhere") == "-");
    CHECK(name_of("[Gmail]/All Mail") == "-");
    CHECK(name_of("[Gmail]/Trash") == "-");
    CHECK(name_of("work/q1") == "-");
}

TEST_CASE("label directories: a deleted folder shows no label", "[sync][gmail]") {
    auto work = folder("Work");
    work.deleted = true;
    CHECK(sync::folder_of_label("Work", {work}) == nullptr);
}
