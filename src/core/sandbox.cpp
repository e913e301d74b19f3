#include "core/sandbox.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstdlib>

namespace imapmirror::core {

namespace {

std::string parent_of(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::string read_only_hint(const std::string& path) {
    const char* unit = std::getenv(kEnvUnit);
    if (!unit || !*unit)
        return "make " + path +
               " writable (if a systemd unit runs imapmirror, add it to the unit's "
               "ReadWritePaths=)";
    const char* manager = std::getenv("MANAGERPID");
    const bool system = manager && std::string(manager) == "1";
    return "add ReadWritePaths=-" + path + " to " + unit + " (systemctl " +
           (system ? "" : "--user ") + "edit " + unit + ")";
}

Result<void> check_not_read_only(const std::string& path, const std::string& what) {
    std::string at = path.empty() ? "." : path;
    struct statvfs vfs {};
    for (int depth = 0; depth < 256; ++depth) {
        if (::statvfs(at.c_str(), &vfs) == 0)
            break;
        if (errno != ENOENT || at == "/" || at == ".")
            return {};
        at = parent_of(at);
    }
    if (!(vfs.f_flag & ST_RDONLY))
        return {};
    auto e = make_error(ErrorKind::Io,
                        what + " " + path + " is on a read-only file system here; nothing was done",
                        Scope::Run);
    e.hint = read_only_hint(path);
    return e;
}

}  // namespace imapmirror::core
