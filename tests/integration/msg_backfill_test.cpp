// `export --msg` on an archive made without it: the messages archived earlier get their .msg
// from their .eml, without a download, once.

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "export --msg: messages archived earlier without --msg get a .msg, indexed and verified, "
    "once, and one that cannot be converted is recorded once as not convertible, not an "
    "error every night",
    "[integration]") {
    DovecotServer server;
    // Not a message at all (no header block): archived as .eml, refused as .msg.
    load_files(server, "Broken", {source_dir() + "/tests/data/seed/manifest"});
    const std::string sandbox = make_temp_dir();
    const std::string out = sandbox + "/archive";
    const std::string db = out + "/index.sqlite";

    auto first = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    INFO(first.err << first.out);
    REQUIRE(first.exit_code == 0);
    REQUIRE(query(db, "SELECT COUNT(*) FROM messages WHERE msg_path IS NULL").at(0).at(0) == "13");

    // No new mail: the .msg files come from the archived .eml files alone.
    auto second =
        run_imapmirror(with({"export", "--out", out, "--msg", "--json"}, server.tls_args()));
    INFO(second.err << second.out);
    CHECK(second.exit_code == 0);  // the Broken message: recorded, not an error (#21)
    CHECK(has(second.out, "\"messages\":0,"));
    CHECK(has(second.out, "\"msg_backfilled\":12,"));
    CHECK(has(second.out, "\"msg_not_convertible\":1,"));
    CHECK(query(db, "SELECT path FROM messages WHERE msg_unconvertible IS NOT NULL")
              .at(0)
              .at(0)
              .rfind("Broken/", 0) == 0);

    auto rows = query(db, "SELECT path, msg_path, msg_sha256, msg_size FROM messages");
    REQUIRE(rows.size() == 13);
    std::map<std::string, fs::file_time_type> written;
    for (const auto& row : rows) {
        INFO(row[0]);
        const std::string msg = row[0].substr(0, row[0].size() - 4) + ".msg";
        if (row[0].rfind("Broken/", 0) == 0) {
            CHECK(row[1].empty());  // NULL: no .msg
            CHECK_FALSE(fs::exists(out + "/" + msg));
            continue;
        }
        CHECK(row[1] == msg);
        REQUIRE(fs::is_regular_file(out + "/" + msg));
        CHECK(row[2].size() == 64);
        CHECK(row[3] == std::to_string(fs::file_size(out + "/" + msg)));
        written[msg] = fs::last_write_time(out + "/" + msg);
    }
    CHECK(written.size() == 12);
    CHECK(std::system((source_dir() + "/tests/msg/check-msg --pair " + source_dir() +
                       "/tests/data/seed/06-attachments.eml " + out + "/" +
                       query(db,
                             "SELECT msg_path FROM messages WHERE message_id = "
                             "'<seed-attachments@example.de>'")
                           .at(0)
                           .at(0))
                          .c_str()) == 0);
    auto verified = run_imapmirror({"verify", out});
    INFO(verified.out << verified.err);
    CHECK(verified.exit_code == 0);

    // Nothing left to convert; the message that cannot be is not tried, or reported, again.
    auto third =
        run_imapmirror(with({"export", "--out", out, "--msg", "--json"}, server.tls_args()));
    INFO(third.err << third.out);
    CHECK(third.exit_code == 0);
    CHECK(has(third.out, "\"msg_backfilled\":0,"));
    CHECK(has(third.out, "\"msg_not_convertible\":0,"));
    CHECK_FALSE(has(third.out, "no .msg written"));
    for (const auto& [msg, time] : written)
        CHECK(fs::last_write_time(out + "/" + msg) == time);
    std::system(("rm -rf '" + sandbox + "'").c_str());
}
