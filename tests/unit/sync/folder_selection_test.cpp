// --include/--exclude: INBOX in any case, and the patterns that select nothing.

#include <catch2/catch.hpp>

#include "sync/folder_selection.hpp"

using namespace imapmirror::sync;

TEST_CASE("selection: INBOX matches in any case, and so do the folders below it",
          "[sync][selection]") {
    CHECK(folder_selected("INBOX", {"inbox"}, {}));
    CHECK(folder_selected("INBOX", {"Inbox"}, {}));
    CHECK(folder_selected("INBOX/Receipts", {"inbox/*"}, {}));
    CHECK(folder_selected("INBOX.Archive", {"Inbox.*"}, {}));
    CHECK_FALSE(folder_selected("INBOX", {}, {"inbox"}));
    // Only INBOX: every other name is matched as written.
    CHECK_FALSE(folder_selected("Archive", {"archive"}, {}));
    CHECK_FALSE(folder_selected("Inboxes", {"INBOX"}, {}));
    CHECK_FALSE(folder_selected("INBOX", {"Inboxes"}, {}));
}

TEST_CASE("selection: a pattern that matches no folder is named with the nearest folders",
          "[sync][selection]") {
    const std::vector<std::string> names = {"INBOX", "Sent", "Archive", "Archive/2024", "Drafts"};
    auto u = unmatched_patterns(names, {"Inbx", "Archive*", "archiv"}, {"Spam", "Sent"}, {});
    REQUIRE(u.size() == 3);
    CHECK(u[0].option == "--include");
    CHECK(u[0].pattern == "Inbx");
    CHECK(u[0].nearest.at(0) == "INBOX");
    CHECK(u[1].pattern == "archiv");
    CHECK(u[1].nearest.at(0) == "Archive");
    CHECK(u[2].option == "--exclude");
    CHECK(u[2].pattern == "Spam");
    CHECK(describe(u[0]) == "--include 'Inbx' matches no folder (nearest: INBOX)");
    // `inbox` is INBOX: no warning.
    CHECK(unmatched_patterns(names, {"inbox"}, {}, {}).empty());
}

TEST_CASE("selection: nothing close is named as nothing, and a provider's excludes are quiet",
          "[sync][selection]") {
    const std::vector<std::string> names = {"INBOX", "Sent"};
    auto u = unmatched_patterns(names, {"Quarterly reports"}, {"Calendar", "Junk"}, {"Calendar"});
    REQUIRE(u.size() == 2);
    CHECK(u[0].nearest.empty());
    CHECK(describe(u[0]) == "--include 'Quarterly reports' matches no folder");
    CHECK(u[1].pattern == "Junk");
}
