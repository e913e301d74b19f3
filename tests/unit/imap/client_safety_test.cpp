// What a server can do to a Client: folder names that need literals or cannot be sent at
// all, STATUS answers that do not parse, absurd SEARCH answers, huge folder lists. Each costs
// its folder or fails cleanly; none leaves a handler behind.

#include <catch2/catch.hpp>

#include <memory>

#include "imap/client.hpp"
#include "wire_server.hpp"

using namespace imapmirror;
using namespace imapmirror::imap;
using test::tag_of;
using test::WireServer;
using test::with_caps;

namespace {

std::unique_ptr<Client> client_over(std::unique_ptr<WireServer> server) {
    auto c = Client::over(std::move(server));
    REQUIRE(c);
    return std::move(c).value();
}

}  // namespace

TEST_CASE("client: folders without LIST-STATUS and a name that needs a literal, then logout",
          "[imap][lifetime]") {
    // Used to return early on the unquotable name with the first STATUS in flight; logout()
    // then ran its handler on the destroyed result (heap/stack use after return under ASan).
    auto last_tag = std::make_shared<std::string>();
    auto server = std::make_unique<WireServer>(with_caps("", [last_tag](const std::string& sent) {
        if (sent.rfind("caf\xC3\xA9 (", 0) == 0)  // the literal's bytes and the rest of the line
            return "* STATUS {5}\r\ncaf\xC3\xA9 (MESSAGES 2 UIDNEXT 3 UIDVALIDITY 7)\r\n" +
                   *last_tag + " OK\r\n";
        std::string tag = *last_tag = tag_of(sent);
        if (sent.find(" LIST ") != std::string::npos)
            return "* LIST (\\HasNoChildren) \"/\" Alpha\r\n"
                   "* LIST (\\HasNoChildren) \"/\" {5}\r\ncaf\xC3\xA9\r\n" +
                   tag + " OK LIST done\r\n";
        if (sent.find("STATUS Alpha") != std::string::npos)
            return "* STATUS Alpha (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 7)\r\n" + tag + " OK\r\n";
        if (sent.find(" STATUS {5}\r\n") != std::string::npos)
            return std::string("+ go ahead\r\n");
        if (sent.find(" LOGOUT") != std::string::npos)
            return "* BYE bye\r\n" + tag + " OK\r\n";
        return tag + " BAD what\r\n";
    }));
    auto client = client_over(std::move(server));
    {
        auto folders = client->list_folders(true);
        REQUIRE(folders);
        REQUIRE(folders->size() == 2);
        REQUIRE((*folders)[0].status);
        CHECK((*folders)[0].status->messages == 1u);
        REQUIRE((*folders)[1].status);
        CHECK((*folders)[1].status->messages == 2u);
    }
    client->logout();
}

TEST_CASE("client: a folder whose name holds NUL is skipped alone, with a folder error",
          "[imap][lifetime]") {
    auto make = [] {
        return std::make_unique<WireServer>(with_caps("", [](const std::string& sent) {
            std::string tag = tag_of(sent);
            if (sent.find(" LIST ") != std::string::npos)
                return std::string("* LIST () \"/\" {3}\r\na") + '\0' + "b\r\n" +
                       "* LIST () \"/\" Beta\r\n" + tag + " OK\r\n";
            if (sent.find("STATUS Beta") != std::string::npos)
                return "* STATUS Beta (MESSAGES 4)\r\n" + tag + " OK\r\n";
            return tag + " OK\r\n";
        }));
    };
    auto client = client_over(make());
    auto folders = client->list_folders(true);
    REQUIRE(folders);
    REQUIRE(folders->size() == 2);
    CHECK_FALSE((*folders)[0].status);
    REQUIRE((*folders)[1].status);
    CHECK((*folders)[1].status->messages == 4u);

    auto again = client_over(make());
    auto listing = again->list_folder_tree(true);
    REQUIRE(listing);
    REQUIRE(listing->errors.size() == 1);
    CHECK(listing->errors[0].scope == core::Scope::Folder);
    CHECK(listing->errors[0].message.find("NUL") != std::string::npos);
    REQUIRE(listing->folders[0].error);
}

TEST_CASE("client: imap4d's unquoted folder name in STATUS is read against the name asked for",
          "[imap][imap4d]") {
    auto server = std::make_unique<WireServer>(with_caps("", [](const std::string& sent) {
        std::string tag = tag_of(sent);
        if (sent.find(" LIST ") != std::string::npos)
            return "* LIST () \"/\" \"My Folder\"\r\n* LIST () \"/\" INBOX\r\n" + tag + " OK\r\n";
        if (sent.find("STATUS \"My Folder\"") != std::string::npos)
            return "* STATUS My Folder (MESSAGES 3 UIDNEXT 4)\r\n" + tag + " OK\r\n";
        if (sent.find("STATUS INBOX") != std::string::npos)
            return "* STATUS INBOX (MESSAGES 5 UIDNEXT 6)\r\n" + tag + " OK\r\n";
        return tag + " OK\r\n";
    }));
    auto client = client_over(std::move(server));
    auto folders = client->list_folders(true);
    REQUIRE(folders);
    REQUIRE(folders->size() == 2);
    REQUIRE((*folders)[0].status);
    CHECK((*folders)[0].status->messages == 3u);
    CHECK((*folders)[0].status->uidnext == 4u);
    REQUIRE((*folders)[1].status);
    CHECK((*folders)[1].status->messages == 5u);
}

TEST_CASE("client: a LIST entry or a STATUS that does not parse costs only its folder", "[imap]") {
    auto server = std::make_unique<WireServer>(with_caps("", [](const std::string& sent) {
        std::string tag = tag_of(sent);
        if (sent.find(" LIST ") != std::string::npos)
            return "* LIST () \"//\" Broken\r\n* LIST () \"/\" Good\r\n"
                   "* LIST () \"/\" Odd\r\n" +
                   tag + " OK\r\n";
        if (sent.find("STATUS Good") != std::string::npos)
            return "* STATUS Good (MESSAGES 1)\r\n" + tag + " OK\r\n";
        if (sent.find("STATUS Odd") != std::string::npos)
            return "* STATUS Odd (MESSAGES x)\r\n" + tag + " OK\r\n";
        return tag + " OK\r\n";
    }));
    auto client = client_over(std::move(server));
    auto listing = client->list_folder_tree(true);
    REQUIRE(listing);
    REQUIRE(listing->folders.size() == 2);
    CHECK(listing->folders[0].entry.name == "Good");
    CHECK(listing->folders[0].status);
    CHECK_FALSE(listing->folders[1].status);
    CHECK(listing->folders[1].error);
    CHECK(listing->errors.size() == 2);
}

TEST_CASE(
    "client: with LIST-STATUS, a STATUS that does not parse costs the folder listed before it",
    "[imap]") {
    auto server =
        std::make_unique<WireServer>(with_caps("LIST-STATUS", [](const std::string& sent) {
            std::string tag = tag_of(sent);
            if (sent.find(" LIST ") != std::string::npos)
                return "* LIST () \"/\" \"Odd One\"\r\n* STATUS Odd Two (MESSAGES 1)\r\n"
                       "* LIST () \"/\" Good\r\n* STATUS Good (MESSAGES 2)\r\n" +
                       tag + " OK\r\n";
            return tag + " OK\r\n";
        }));
    auto client = client_over(std::move(server));
    auto listing = client->list_folder_tree(true);
    REQUIRE(listing);
    REQUIRE(listing->folders.size() == 2);
    CHECK_FALSE(listing->folders[0].status);
    REQUIRE(listing->folders[0].error);
    CHECK(listing->folders[0].error->folder == "Odd One");
    REQUIRE(listing->folders[1].status);
    CHECK(listing->folders[1].status->messages == 2u);
    REQUIRE(listing->errors.size() == 1);
    CHECK(listing->errors[0].scope == core::Scope::Folder);
}

TEST_CASE("limits: UID SEARCH may not answer with more UIDs than the folder holds",
          "[imap][limits]") {
    auto server = std::make_unique<WireServer>(with_caps("ESEARCH", [](const std::string& sent) {
        std::string tag = tag_of(sent);
        if (sent.find("EXAMINE") != std::string::npos)
            return "* 10 EXISTS\r\n" + tag + " OK [READ-ONLY] done\r\n";
        if (sent.find("SEARCH") != std::string::npos)
            return "* ESEARCH (TAG \"" + tag + "\") UID ALL 1:5000000\r\n" + tag + " OK\r\n";
        return tag + " OK\r\n";
    }));
    auto client = client_over(std::move(server));
    REQUIRE(client->examine("INBOX"));
    auto uids = client->uid_search("ALL");
    REQUIRE_FALSE(uids);
    CHECK(uids.error().kind == core::ErrorKind::Protocol);
}

TEST_CASE("limits: the folder list a client keeps is bounded", "[imap][limits]") {
    auto server = std::make_unique<WireServer>(with_caps("", [](const std::string& sent) {
        std::string out;
        for (int i = 0; i < 200; ++i)
            out += "* LIST () \"/\" folder" + std::to_string(i) + "\r\n";
        return out + tag_of(sent) + " OK\r\n";
    }));
    auto client = client_over(std::move(server));
    auto r = client->list_folder_tree(false, 20'000);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == core::ErrorKind::Limit);
}
