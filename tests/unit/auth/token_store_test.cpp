// The token store: the one file that holds a grant, private and written atomically.

#include "auth/token_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

using namespace imapmirror;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        std::string t = "/tmp/imm-token-store-XXXXXX";
        REQUIRE(::mkdtemp(t.data()));
        path = t;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

auth::StoredGrant sample() {
    auth::StoredGrant g;
    g.provider = "microsoft";
    g.user = "me@example.com";
    g.client_id = "client";
    g.token_url = "https://login.example/token";
    g.scope = "imap offline_access";
    g.refresh_token = "rt-secret";
    g.access_token = "at-secret";
    g.access_expires_at = 1'700'000'000;
    g.obtained_at = 1'600'000'000;
    return g;
}

}  // namespace

TEST_CASE("token store: a saved grant loads back whole, in a 0600 file in a 0700 directory",
          "[auth]") {
    TempDir dir;
    const std::string path = dir.path + "/state/imapmirror/tokens/me.json";
    REQUIRE(auth::save_grant(path, sample()));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((dir.path + "/state/imapmirror/tokens").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    auto g = auth::load_grant(path);
    REQUIRE(g);
    CHECK(g->refresh_token == "rt-secret");
    CHECK(g->access_token == "at-secret");
    CHECK(g->access_expires_at == 1'700'000'000);
    CHECK(g->user == "me@example.com");
    CHECK(g->token_url == "https://login.example/token");
    // Saving again replaces it and leaves no temporary file behind.
    auto next = sample();
    next.refresh_token = "rt-rotated";
    REQUIRE(auth::save_grant(path, next));
    CHECK(auth::load_grant(path)->refresh_token == "rt-rotated");
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path + "/state/imapmirror/tokens"))
        files += e.is_regular_file();
    CHECK(files == 1);
}

TEST_CASE("token store: one that others can read is refused, naming the fix", "[auth]") {
    TempDir dir;
    const std::string path = dir.path + "/t.json";
    REQUIRE(auth::save_grant(path, sample()));
    ::chmod(path.c_str(), 0640);
    auto g = auth::load_grant(path);
    REQUIRE(!g);
    CHECK(g.error().kind == core::ErrorKind::Usage);
    CHECK(g.error().message.find("can be read or written by other users") != std::string::npos);
    CHECK(g.error().hint.find("chmod 600") != std::string::npos);
    CHECK(g.error().describe().find("rt-secret") == std::string::npos);
}

TEST_CASE("token store: a symbolic link is refused, not followed", "[auth]") {
    TempDir dir;
    REQUIRE(auth::save_grant(dir.path + "/real.json", sample()));
    REQUIRE(::symlink((dir.path + "/real.json").c_str(), (dir.path + "/link.json").c_str()) == 0);
    auto g = auth::load_grant(dir.path + "/link.json");
    REQUIRE(!g);
    CHECK(g.error().message.find("symbolic link") != std::string::npos);
}

TEST_CASE("token store: a missing store is NotFound, a foreign file is Corrupt", "[auth]") {
    TempDir dir;
    CHECK(auth::load_grant(dir.path + "/none.json").error().kind == core::ErrorKind::NotFound);
    const std::string path = dir.path + "/other.json";
    { std::ofstream(path) << "{\"something\": \"else\"}"; }
    ::chmod(path.c_str(), 0600);
    CHECK(auth::load_grant(path).error().kind == core::ErrorKind::Corrupt);
}

TEST_CASE("token store: the default path is under XDG_STATE_HOME, named safely", "[auth]") {
    const char* old = std::getenv("XDG_STATE_HOME");
    std::string saved = old ? old : "";
    ::setenv("XDG_STATE_HOME", "/s", 1);
    CHECK(auth::default_store_path("me@example.com") == "/s/imapmirror/tokens/me@example.com.json");
    CHECK(auth::default_store_path("../x/y") == "/s/imapmirror/tokens/_.._x_y.json");
    ::setenv("XDG_STATE_HOME", "relative", 1);  // not absolute: ignored (XDG spec)
    CHECK(auth::default_store_path("a").find("/.local/state/imapmirror/tokens/a.json") !=
          std::string::npos);
    if (old)
        ::setenv("XDG_STATE_HOME", saved.c_str(), 1);
    else
        ::unsetenv("XDG_STATE_HOME");
}

TEST_CASE("token store: a store in a directory another user owns or others may write is refused",
          "[auth]") {
    TempDir dir;
    const std::string tokens = dir.path + "/tokens";
    const std::string path = tokens + "/me.json";
    REQUIRE(auth::save_grant(path, sample()));
    ::chmod(tokens.c_str(), 0777);
    auto writable = auth::load_grant(path);
    REQUIRE(!writable);
    CHECK(writable.error().kind == core::ErrorKind::Usage);
    CHECK(writable.error().message.find("directory " + tokens + " can be written by other users") !=
          std::string::npos);
    CHECK(!auth::save_grant(path, sample()));
    ::chmod(tokens.c_str(), 0700);
    if (::geteuid() != 0) {
        WARN("not root: the other-owner case needs chown");
        return;
    }
    REQUIRE(::chown(tokens.c_str(), 65534, 65534) == 0);
    auto foreign = auth::load_grant(path);
    REQUIRE(!foreign);
    CHECK(foreign.error().message.find("belongs to another user") != std::string::npos);
    CHECK(!auth::check_store_writable(path));
}

TEST_CASE("token store: the write probe leaves nothing behind", "[auth]") {
    TempDir dir;
    const std::string path = dir.path + "/state/tokens/me.json";
    REQUIRE(auth::check_store_writable(path));
    CHECK(std::filesystem::is_empty(dir.path + "/state/tokens"));
}

TEST_CASE("token store: while one holds the refresh lock, another waits and then gets it",
          "[auth]") {
    TempDir dir;
    const std::string path = dir.path + "/me.json";
    std::optional<auth::StoreLock> first;
    {
        auto lock = auth::lock_store(path, std::chrono::milliseconds(100));
        REQUIRE(lock);
        first.emplace(std::move(*lock));
    }
    auto second = auth::lock_store(path, std::chrono::milliseconds(200));
    REQUIRE(!second);
    CHECK(second.error().message.find("held the lock " + path + ".lock") != std::string::npos);
    first.reset();
    CHECK(auth::lock_store(path, std::chrono::milliseconds(200)));
}
