// The memory bound of the whole process (#20 items 4, 5 and 7): hostile messages (HTML bombs, a
// .msg bomb) in an account, exported with --msg under a 512 MiB address-space limit (the
// Kubernetes example's memory limit, as prlimit --as): each costs only itself, is recorded, and
// the rest of the account is archived.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "../hostile_messages.hpp"
#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "memory bound: hostile messages are recorded and skipped within 512 MiB, and the "
    "rest of the account is archived",
    "[integration][release]") {
#if defined(__SANITIZE_ADDRESS__)
    WARN("SKIPPED: AddressSanitizer reserves more address space than the limit");
    return;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    WARN("SKIPPED: AddressSanitizer reserves more address space than the limit");
    return;
#endif
#endif
    DovecotServer server;
    const std::string sandbox = make_temp_dir();
    const std::vector<std::pair<std::string, std::string>> bombs = {
        {"stray-end-tags", html_message("stray-end-tags", repeat("<div></x>", 4 << 20))},
        {"scripts", html_message("scripts", repeat("<script>var a;</script>t ", 4 << 20))},
        {"table", html_message("table", "<table><tr>" + repeat("<td>x", 5 << 20))},
        {"attachments", with_attachments(20000)},
    };
    std::vector<std::string> files;
    for (const auto& [name, bytes] : bombs) {
        files.push_back(sandbox + "/" + name + ".eml");
        std::ofstream(files.back(), std::ios::binary) << bytes;
    }
    load_files(server, "Hostile", files);
    const std::string out = sandbox + "/archive";

    auto r = run_imapmirror(
        with({"export", "--out", out, "--msg", "--json", "--connections", "4"}, server.tls_args()),
        {}, {"/usr/bin/prlimit", "--as=" + std::to_string(512u << 20)});
    INFO(r.err << r.out);
    CHECK(r.exit_code == 0);
    CHECK(has(r.out, "\"messages\":16,"));  // the 12 of the seed and the 4 bombs
    CHECK(has(r.out, "\"msg_not_convertible\":1,"));
    CHECK(r.seconds < 60);
    const std::string db = out + "/index.sqlite";
    CHECK(query(db,
                "SELECT msg_unconvertible FROM messages WHERE message_id = "
                "'<attachments@example.org>'")
              .at(0)
              .at(0)
              .find("more than 2000 attachments") != std::string::npos);
    // The HTML bombs are archived. Two have their text cut short and marked so: the stray end
    // tags (nesting past 256 levels) and the table (a million cells, past the 1 MiB text cap);
    // the scripts' text fits (what they cost is time, bounded by the CPU budget).
    CHECK(query(db, "SELECT COUNT(*) FROM bodies WHERE truncated = 1").at(0).at(0) == "2");
    auto verified = run_imapmirror({"verify", out});
    INFO(verified.out << verified.err);
    CHECK(verified.exit_code == 0);
    // The next night: nothing to do, nothing reported again.
    auto again =
        run_imapmirror(with({"export", "--out", out, "--msg", "--json"}, server.tls_args()), {},
                       {"/usr/bin/prlimit", "--as=" + std::to_string(512u << 20)});
    INFO(again.err << again.out);
    CHECK(again.exit_code == 0);
    CHECK(has(again.out, "\"msg_not_convertible\":0,"));
    fs::remove_all(sandbox);
}
