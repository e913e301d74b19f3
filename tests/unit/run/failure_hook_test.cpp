#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "run/failure_hook.hpp"
#include "unit/temp_dir.hpp"

using namespace imapmirror::run;
using imapmirror::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool has(const std::vector<std::string>& env, const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
}

bool names(const std::vector<std::string>& env, const std::string& name) {
    return std::any_of(env.begin(), env.end(),
                       [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; });
}

FailureReport wrong_password() {
    FailureReport r;
    r.account = "work";
    r.exit_code = 6;
    r.error_kind = "auth";
    r.message = "the server rejected the login";
    r.server_reply = "[AUTHENTICATIONFAILED] Authentication failed.";
    r.archive = "/home/a/mail-archive/work";
    return r;
}

}  // namespace

TEST_CASE("failure hook: its environment has the outcome and none of the password variables",
          "[run]") {
    const std::vector<std::string> inherited = {"HOME=/home/a",
                                                "PATH=/usr/bin:/bin",
                                                "IMAPMIRROR_PASSWORD=hunter2",
                                                "IMAPMIRROR_OAUTH2_TOKEN=ya29.secret",
                                                "MY_MAIL_PASS=hunter3",
                                                "IMAPMIRROR_HOST=evil",
                                                "IMAPMIRROR_MESSAGE=forged"};
    auto env = hook_environment(inherited, {"MY_MAIL_PASS"}, wrong_password());
    CHECK(has(env, "HOME=/home/a"));
    CHECK(has(env, "PATH=/usr/bin:/bin"));
    CHECK_FALSE(names(env, "IMAPMIRROR_PASSWORD"));
    CHECK_FALSE(names(env, "IMAPMIRROR_OAUTH2_TOKEN"));
    CHECK_FALSE(names(env, "MY_MAIL_PASS"));
    CHECK_FALSE(names(env, "IMAPMIRROR_HOST"));
    CHECK(has(env, "IMAPMIRROR_ACCOUNT=work"));
    CHECK(has(env, "IMAPMIRROR_EXIT_CODE=6"));
    CHECK(has(env, "IMAPMIRROR_ERROR_KIND=auth"));
    CHECK(has(env, "IMAPMIRROR_MESSAGE=the server rejected the login"));
    CHECK_FALSE(has(env, "IMAPMIRROR_MESSAGE=forged"));
    CHECK(has(env, "IMAPMIRROR_SERVER_REPLY=[AUTHENTICATIONFAILED] Authentication failed."));
    CHECK(has(env, "IMAPMIRROR_ARCHIVE=/home/a/mail-archive/work"));
    for (const auto& e : env) {
        CHECK(e.find("hunter") == std::string::npos);
        CHECK(e.find("ya29") == std::string::npos);
    }
}

TEST_CASE("failure hook: server text reaches the command as data, never as shell code", "[run]") {
    TempDir dir;
    auto report = wrong_password();
    const fs::path pwned = fs::path(dir.path) / "pwned";
    report.server_reply =
        "$(touch " + pwned.string() + ") `touch " + pwned.string() + "`; touch " + pwned.string();
    report.message = "it said \"$(id)\" and ';'";
    const fs::path got = fs::path(dir.path) / "got";
    auto ran = run_hook(
        "printf '%s|%s|%s|%s' \"$IMAPMIRROR_ACCOUNT\" \"$IMAPMIRROR_EXIT_CODE\" "
        "\"$IMAPMIRROR_MESSAGE\" \"$IMAPMIRROR_SERVER_REPLY\" > '" +
            got.string() + "'",
        hook_environment({"PATH=/usr/bin:/bin"}, {}, report), std::chrono::seconds(10));
    REQUIRE(ran);
    CHECK(slurp(got) == "work|6|" + report.message + "|" + report.server_reply);
    CHECK_FALSE(fs::exists(pwned));
}

TEST_CASE("failure hook: a hook that fails, or outlives its time, is an error and is stopped",
          "[run]") {
    TempDir dir;
    auto env = hook_environment({"PATH=/usr/bin:/bin"}, {}, wrong_password());
    auto failed = run_hook("exit 3", env, std::chrono::seconds(10));
    REQUIRE_FALSE(failed);
    CHECK(failed.error().message == "the failure hook exited with status 3");

    // The shell's child too: the whole process group is ended.
    const fs::path late = fs::path(dir.path) / "late";
    const auto start = std::chrono::steady_clock::now();
    auto slow = run_hook("(sleep 3; touch '" + late.string() + "') & sleep 30", env,
                         std::chrono::milliseconds(300));
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(slow);
    CHECK(slow.error().message.find("ran longer than") != std::string::npos);
    CHECK(took < std::chrono::seconds(3));
    ::sleep(4);
    CHECK_FALSE(fs::exists(late));
}
