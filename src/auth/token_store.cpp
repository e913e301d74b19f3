#include "auth/token_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>

#include "core/atomic_file.hpp"
#include "core/interrupt.hpp"
#include "core/json.hpp"
#include "core/json_reader.hpp"
#include "core/sandbox.hpp"

namespace imapmirror::auth {

using core::ErrorKind;
using core::make_error;

namespace {

constexpr size_t kMaxStoreBytes = 64 * 1024;
constexpr int kFormat = 1;

core::Error io_error(const std::string& what, const std::string& path, int err) {
    auto e =
        make_error(err == ENOSPC || err == EDQUOT ? ErrorKind::DiskFull : ErrorKind::Io,
                   what + " the token store " + path + ": " + std::strerror(err), core::Scope::Run);
    return e;
}

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// mkdir -p with 0700 for the parts we create; 0 or the errno of the first failure.
int make_dirs_errno(const std::string& dir) {
    if (dir.empty() || dir == "/" || dir == ".")
        return 0;
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0)
        return 0;
    if (int err = make_dirs_errno(dir_of(dir)))
        return err;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return errno;
    return 0;
}

core::Result<void> make_dirs(const std::string& dir) {
    if (int err = make_dirs_errno(dir))
        return io_error("cannot create the directory of", dir, err);
    return {};
}

// The directory decides who may replace the store: it must be ours, and only ours to write.
core::Result<void> check_directory(const std::string& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0)
        return io_error("cannot stat the directory of", dir, errno);
    std::string why;
    if (st.st_uid != ::geteuid())
        why = "belongs to another user (uid " + std::to_string(st.st_uid) + ")";
    else if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))
        why = "can be written by other users";
    if (why.empty())
        return {};
    auto e = make_error(ErrorKind::Usage,
                        "the token store directory " + dir + " " + why + "; refusing to use it",
                        core::Scope::Run);
    e.hint =
        "keep grants in a directory of your own, mode 700 (set XDG_STATE_HOME), and run "
        "`imapmirror auth login` again";
    return e;
}

// The grant's text as `path`, atomically, 0600 whatever the umask.
core::Result<void> write_store(const std::string& dir, const std::string& path,
                               std::string_view text) {
    IMM_ASSIGN(auto file, core::AtomicFile::create(dir));
    IMM_TRY(file.set_mode(0600));
    IMM_TRY(file.write(text));
    return file.commit(path);
}

std::string member(const core::JsonValue& v, const char* key) {
    const auto* m = v.find(key);
    const std::string* s = m ? m->as_string() : nullptr;
    return s ? *s : std::string();
}

int64_t int_member(const core::JsonValue& v, const char* key) {
    const auto* m = v.find(key);
    auto n = m ? m->as_int() : std::nullopt;
    return n ? *n : 0;
}

}  // namespace

std::string default_store_path(const std::string& account) {
    std::string base;
    const char* state = std::getenv("XDG_STATE_HOME");
    if (state && state[0] == '/') {
        base = state;
    } else {
        const char* home = std::getenv("HOME");
        base = std::string(home && *home ? home : ".") + "/.local/state";
    }
    std::string name;
    for (char c : account)
        name += std::isalnum(static_cast<unsigned char>(c)) || std::strchr("._-@+", c) ? c : '_';
    if (name.empty() || name[0] == '.')
        name = "_" + name;
    return base + "/imapmirror/tokens/" + name + ".json";
}

core::Result<StoredGrant> load_grant(const std::string& path) {
    if (auto dir = check_directory(dir_of(path)); !dir && dir.error().kind == ErrorKind::Usage)
        return std::move(dir).error();
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            auto e = make_error(ErrorKind::NotFound, "no OAuth2 grant stored in " + path,
                                core::Scope::Run);
            return e;
        }
        if (errno == ELOOP)
            return make_error(ErrorKind::Usage,
                              "the token store " + path + " is a symbolic link; refusing it",
                              core::Scope::Run);
        return io_error("cannot open", path, errno);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        return io_error("cannot stat", path, err);
    }
    auto refuse = [&](const std::string& why) {
        ::close(fd);
        auto e = make_error(ErrorKind::Usage,
                            "the token store " + path + " " + why + "; refusing to use it",
                            core::Scope::Run);
        e.hint = "chmod 600 " + path +
                 " (and check who else could have read it), or run "
                 "`imapmirror auth logout` and log in again";
        return e;
    };
    if (!S_ISREG(st.st_mode))
        return refuse("is not a regular file");
    if (st.st_uid != ::geteuid())
        return refuse("belongs to another user");
    if (st.st_mode & 077)
        return refuse("can be read or written by other users");
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            return io_error("cannot read", path, err);
        }
        if (n == 0)
            break;
        text.append(buf, static_cast<size_t>(n));
        if (text.size() > kMaxStoreBytes) {
            ::close(fd);
            return make_error(ErrorKind::Corrupt, "the token store " + path + " is too large",
                              core::Scope::Run);
        }
    }
    ::close(fd);
    auto v = core::parse_json(text);
    if (!v || v->type() != core::JsonValue::Type::Object || int_member(*v, "format") != kFormat ||
        member(*v, "refresh_token").empty())
        return make_error(ErrorKind::Corrupt,
                          "the token store " + path + " is not a grant imapmirror wrote",
                          core::Scope::Run);
    StoredGrant g;
    g.provider = member(*v, "provider");
    g.user = member(*v, "user");
    g.client_id = member(*v, "client_id");
    g.token_url = member(*v, "token_url");
    g.scope = member(*v, "scope");
    g.refresh_token = member(*v, "refresh_token");
    g.access_token = member(*v, "access_token");
    g.access_expires_at = int_member(*v, "access_expires_at");
    g.obtained_at = int_member(*v, "obtained_at");
    g.refreshed_at = int_member(*v, "refreshed_at");
    return g;
}

core::Result<void> save_grant(const std::string& path, const StoredGrant& g) {
    const std::string dir = dir_of(path);
    IMM_TRY(make_dirs(dir));
    IMM_TRY(check_directory(dir));
    core::JsonWriter w;
    w.begin_object();
    w.key("format").value(kFormat);
    w.key("provider").value(g.provider);
    w.key("user").value(g.user);
    w.key("client_id").value(g.client_id);
    w.key("token_url").value(g.token_url);
    w.key("scope").value(g.scope);
    w.key("refresh_token").value(g.refresh_token);
    w.key("access_token").value(g.access_token);
    w.key("access_expires_at").value(g.access_expires_at);
    w.key("obtained_at").value(g.obtained_at);
    w.key("refreshed_at").value(g.refreshed_at);
    w.end_object();
    std::string text = w.str() + "\n";

    // AtomicFile syncs the directory after the rename too: the old refresh token may already
    // be dead, so the new one must survive a crash.
    auto written = write_store(dir, path, text);
    std::fill(text.begin(), text.end(), '\0');
    if (written)
        return {};
    core::Error e = std::move(written).error();
    e.message += " (saving the token store " + path + ")";
    return e;
}

core::Result<void> check_store_writable(const std::string& path) {
    const std::string dir = dir_of(path);
    auto unwritable = [&](int err) {
        auto e =
            make_error(ErrorKind::Io,
                       "cannot write the token store directory " + dir + " (" + std::strerror(err) +
                           "); not refreshing, which would spend the refresh token "
                           "without saving the new one",
                       core::Scope::Run);
        e.hint = core::read_only_hint(dir);
        return e;
    };
    if (int err = make_dirs_errno(dir))
        return err == EROFS || err == EACCES || err == EPERM ? unwritable(err)
                                                             : io_error("cannot create", dir, err);
    IMM_TRY(check_directory(dir));
    std::string probe = dir + "/.write-probe-XXXXXX";
    int fd = ::mkstemp(probe.data());
    if (fd < 0)
        return unwritable(errno);
    ::close(fd);
    if (::unlink(probe.c_str()) != 0)
        return unwritable(errno);
    return {};
}

StoreLock::StoreLock(StoreLock&& o) noexcept : m_fd(std::exchange(o.m_fd, -1)) {}

StoreLock::~StoreLock() {
    if (m_fd >= 0)
        ::close(m_fd);  // releases the flock
}

core::Result<StoreLock> lock_store(const std::string& path, std::chrono::milliseconds wait) {
    const std::string lock_path = path + ".lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return io_error("cannot open the lock of", lock_path, errno);
    StoreLock lock(fd);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            return io_error("cannot lock", lock_path, errno);
        if (core::interrupted())
            return core::interrupted_error();
        if (std::chrono::steady_clock::now() > deadline) {
            auto e = make_error(ErrorKind::Io,
                                "another imapmirror has held the lock " + lock_path + " for " +
                                    std::to_string(wait.count() / 1000) +
                                    " s while refreshing the grant",
                                core::Scope::Run);
            e.retryable = true;
            e.hint = "run again once the other imapmirror has finished";
            return e;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return lock;
}

core::Result<bool> remove_grant(const std::string& path) {
    if (::unlink(path.c_str()) == 0)
        return true;
    if (errno == ENOENT)
        return false;
    return io_error("cannot remove", path, errno);
}

}  // namespace imapmirror::auth
