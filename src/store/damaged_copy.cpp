#include "store/damaged_copy.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE (glibc 2.28)

#include <cctype>
#include <cerrno>

#include "store/atomic_file.hpp"

namespace imapmirror::store {

std::string damaged_name(std::string_view name, std::time_t when, int n) {
    std::tm utc{};
    ::gmtime_r(&when, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    std::string out = std::string(name) + std::string(kDamagedMarker) + stamp;
    if (n > 1)
        out += "-" + std::to_string(n);
    return out;
}

bool is_damaged_copy(std::string_view name) {
    const size_t at = name.rfind(kDamagedMarker);
    if (at == std::string_view::npos || at == 0)
        return false;
    std::string_view stamp = name.substr(at + kDamagedMarker.size());
    // YYYYMMDDTHHMMSSZ, then an optional -N.
    auto digits = [](std::string_view s) {
        for (char c : s)
            if (!std::isdigit(static_cast<unsigned char>(c)))
                return false;
        return !s.empty();
    };
    if (stamp.size() < 16 || !digits(stamp.substr(0, 8)) || stamp[8] != 'T' ||
        !digits(stamp.substr(9, 6)) || stamp[15] != 'Z')
        return false;
    std::string_view rest = stamp.substr(16);
    return rest.empty() || (rest[0] == '-' && digits(rest.substr(1)));
}

core::Result<std::string> set_aside(int dir_fd, const std::string& name, std::string_view shown_dir,
                                    std::time_t when) {
    for (int n = 1; n < 1000; ++n) {
        const std::string aside = damaged_name(name, when, n);
        if (::renameat2(dir_fd, name.c_str(), dir_fd, aside.c_str(), RENAME_NOREPLACE) == 0)
            return aside;
        if (errno != EEXIST)
            return file_error(errno, "cannot set aside", std::string(shown_dir) + "/" + name);
    }
    return file_error(EEXIST, "cannot set aside", std::string(shown_dir) + "/" + name);
}

}  // namespace imapmirror::store
