#include "core/secret.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "core/interrupt.hpp"
#include "core/log.hpp"

namespace imapmirror::core {

namespace {
std::string first_line(std::string s) {
    size_t nl = s.find_first_of("\r\n");
    if (nl != std::string::npos)
        s.resize(nl);
    return s;
}
}  // namespace

Result<std::string> secret_from_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        auto e = make_error(ErrorKind::Usage,
                            "cannot read password file \"" + path + "\": " + std::strerror(errno));
        e.hint = "check the path given to --password-file";
        return e;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
        warn("password file \"" + path + "\" is readable by other users; chmod 600 it");
    std::string line;
    std::getline(in, line);
    line = first_line(line);
    if (line.empty()) {
        auto e = make_error(ErrorKind::Usage, "password file \"" + path + "\" is empty");
        return e;
    }
    return line;
}

Result<std::string> secret_from_command(const std::string& command) {
    std::fflush(nullptr);
    FILE* p = ::popen(command.c_str(), "r");
    if (!p)
        return make_error(ErrorKind::Usage, "cannot run the password command");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0 && out.size() < (1u << 20))
        out.append(buf, n);
    int status = ::pclose(p);
    // Ctrl-C reaches the command too (one process group): that is an interruption, not a
    // failed command.
    const bool stopped = status != -1 && WIFSIGNALED(status) &&
                         (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM);
    if (stopped || interrupted())
        return make_error(ErrorKind::Cancelled, "interrupted while the password command ran");
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        // The command itself is not echoed: it may embed a secret.
        auto e = make_error(ErrorKind::Usage,
                            "the password command failed (exit status " +
                                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
        e.hint = "run it by hand to see why";
        return e;
    }
    out = first_line(out);
    if (out.empty())
        return make_error(ErrorKind::Usage, "the password command printed nothing");
    return out;
}

std::optional<std::string> secret_from_env(const char* name) {
    const char* v = std::getenv(name);
    if (!v)
        return std::nullopt;
    return std::string(v);
}

}  // namespace imapmirror::core
