#include "store/temp_file_at.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "store/atomic_file.hpp"
#include "store/mirror_layout.hpp"

namespace imapmirror::store {

using core::Result;

Result<TempFileAt> TempFileAt::create(int dir_fd, std::string shown_dir, core::FileSystem& fs) {
    UniqueFd dir(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
    if (!dir)
        return file_error(errno, "cannot use", shown_dir);
    std::random_device random;
    for (int attempt = 0; attempt < 16; ++attempt) {
        const std::string name =
            std::string(kTempPrefix) + std::to_string(::getpid()) + "-" + std::to_string(random());
        UniqueFd fd(fs.open_at(dir.get(), name.c_str(),
                               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (fd)
            return TempFileAt(fs, std::move(dir), std::move(fd), name, std::move(shown_dir));
        if (errno != EEXIST)
            return file_error(errno, "cannot create a file in", shown_dir);
    }
    return file_error(EEXIST, "cannot create a temporary file in", shown_dir);
}

TempFileAt::~TempFileAt() {
    if (!m_name.empty() && m_dir)
        (void)m_fs->unlink_at(m_dir.get(), m_name.c_str(), 0);
}

Result<void> TempFileAt::write(std::string_view bytes) {
    return core::write_all(*m_fs, m_fd.get(), bytes, m_shown_dir + "/" + m_name);
}

Result<void> TempFileAt::copy_from(int source_fd, const std::string& shown_source) {
    return read_chunks(source_fd, shown_source,
                       [&](std::string_view chunk) { return write(chunk); });
}

Result<void> TempFileAt::commit(int to_dir_fd, const std::string& name,
                                const std::string& shown_name, Replace replace) {
    if (m_fs->fsync(m_fd.get()) != 0)
        return file_error(errno, "cannot sync", m_shown_dir + "/" + m_name);
    const unsigned flags = replace == Replace::Refused ? RENAME_NOREPLACE : 0;
    if (m_fs->rename_at(m_dir.get(), m_name.c_str(), to_dir_fd, name.c_str(), flags) != 0) {
        const int err = errno;
        if (err == EEXIST)
            return core::make_error(core::ErrorKind::Corrupt,
                                    "another file is already at " + shown_name + "; it is kept",
                                    core::Scope::Message);
        return file_error(err, "cannot rename a temporary file to", shown_name);
    }
    m_name.clear();
    if (m_fs->fsync(to_dir_fd) != 0)
        return file_error(errno, "cannot sync the directory of", shown_name);
    return {};
}

}  // namespace imapmirror::store
