#include "store/maildir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <memory>

#include "core/ascii.hpp"
#include "store/atomic_file.hpp"
#include "store/temp_file_at.hpp"

namespace imapmirror::store {

using core::Result;

namespace {

constexpr std::string_view kKeySuffix = ".imapmirror";

struct FlagLetter {
    std::string_view imap;
    char letter;
};
// DESIGN.md section 7; $Forwarded is the keyword mail programs set for "passed".
constexpr FlagLetter kFlagLetters[] = {{"\\draft", 'D'},    {"\\flagged", 'F'}, {"$forwarded", 'P'},
                                       {"\\answered", 'R'}, {"\\seen", 'S'},    {"\\deleted", 'T'}};

std::optional<uint32_t> parse_u32(std::string_view s) {
    uint32_t v = 0;
    if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size())
        return std::nullopt;
    return v;
}

// False when a component of `relative` (below `base_fd`) is missing; true when every one is
// there, whatever it is (open_directory_beneath then says what is wrong with it).
bool all_present(int base_fd, std::string_view relative) {
    UniqueFd current(::fcntl(base_fd, F_DUPFD_CLOEXEC, 0));
    size_t pos = 0;
    while (current && pos <= relative.size()) {
        const size_t end = std::min(relative.find('/', pos), relative.size());
        const std::string name(relative.substr(pos, end - pos));
        pos = end + 1;
        UniqueFd next(
            ::openat(current.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next)
            return errno != ENOENT;
        current = std::move(next);
    }
    return true;
}

Result<void> list_into(int dir_fd, bool in_new, std::vector<MaildirFile>& out,
                       const std::string& shown) {
    // fdopendir takes a descriptor of its own, which closedir closes.
    const int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return file_error(errno, "cannot read", shown);
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(copy), ::closedir);
    if (!dir) {
        const int err = errno;
        ::close(copy);
        return file_error(err, "cannot read", shown);
    }
    ::rewinddir(dir.get());
    errno = 0;
    while (const dirent* e = ::readdir(dir.get())) {
        if (auto key = parse_maildir_name(e->d_name))
            out.push_back({*key, in_new, e->d_name});
        errno = 0;
    }
    if (errno != 0)
        return file_error(errno, "cannot read", shown);
    return {};
}

}  // namespace

std::string maildir_flags(std::string_view imap_flags) {
    std::string letters;
    size_t pos = 0;
    while (pos < imap_flags.size()) {
        const size_t end = std::min(imap_flags.find(' ', pos), imap_flags.size());
        const std::string_view flag = imap_flags.substr(pos, end - pos);
        for (const auto& f : kFlagLetters)
            if (core::ascii_iequals(flag, f.imap) && letters.find(f.letter) == std::string::npos)
                letters += f.letter;
        pos = end + 1;
    }
    std::sort(letters.begin(), letters.end());
    return letters;
}

std::string maildir_name(MaildirKey key, std::string_view imap_flags) {
    return std::to_string(key.uidvalidity) + "-" + std::to_string(key.uid) +
           std::string(kKeySuffix) + ":2," + maildir_flags(imap_flags);
}

std::optional<MaildirKey> parse_maildir_name(std::string_view name) {
    const size_t colon = name.find(':');
    const std::string_view unique = name.substr(0, colon);
    if (unique.size() <= kKeySuffix.size() ||
        unique.substr(unique.size() - kKeySuffix.size()) != kKeySuffix)
        return std::nullopt;
    const std::string_view numbers = unique.substr(0, unique.size() - kKeySuffix.size());
    const size_t dash = numbers.find('-');
    if (dash == std::string_view::npos)
        return std::nullopt;
    auto validity = parse_u32(numbers.substr(0, dash));
    auto uid = parse_u32(numbers.substr(dash + 1));
    if (!validity || !uid)
        return std::nullopt;
    return MaildirKey{*validity, *uid};
}

std::string maildir_folder_path(std::string_view archive_folder_path) {
    std::string out;
    size_t pos = 0;
    while (pos <= archive_folder_path.size()) {
        const size_t end = std::min(archive_folder_path.find('/', pos), archive_folder_path.size());
        const std::string_view part = archive_folder_path.substr(pos, end - pos);
        if (!out.empty())
            out += '/';
        if (part == "cur" || part == "new" || part == "tmp")
            out += '_';
        out += part;
        pos = end + 1;
    }
    return out;
}

Result<std::optional<MaildirFolder>> MaildirFolder::open(const ArchiveRoot& target,
                                                         const std::string& relative, bool create) {
    const std::string shown = target.path() + "/" + relative;
    const char* names[3] = {"cur", "new", "tmp"};
    if (!create) {
        for (const char* sub : names)
            if (!all_present(target.fd(), relative + "/" + sub))
                return std::optional<MaildirFolder>();
    }
    IMM_ASSIGN(auto folder, target.open_directory(relative, create));
    UniqueFd subdirs[3];
    for (int i = 0; i < 3; ++i) {
        IMM_ASSIGN(subdirs[i], open_directory_beneath(folder.get(), names[i], create, shown));
    }
    return std::optional<MaildirFolder>(
        MaildirFolder(std::move(subdirs[0]), std::move(subdirs[1]), std::move(subdirs[2]), shown));
}

Result<std::vector<MaildirFile>> MaildirFolder::files() const {
    std::vector<MaildirFile> out;
    IMM_TRY(list_into(m_cur.get(), false, out, m_shown + "/cur"));
    IMM_TRY(list_into(m_new.get(), true, out, m_shown + "/new"));
    return out;
}

Result<Placed> MaildirFolder::add(int source_dir, const std::string& source_name,
                                  const std::string& shown_source, const std::string& name) {
    const std::string shown = m_shown + "/cur/" + name;
    struct stat st {};
    if (::fstatat(source_dir, source_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return file_error(errno, "cannot read", shown_source);
    if (!S_ISREG(st.st_mode))
        return core::make_error(core::ErrorKind::Corrupt,
                                shown_source + " is not a regular file; it is not dumped",
                                core::Scope::Message);
    // linkat without AT_SYMLINK_FOLLOW never follows, and never replaces `name`.
    if (::linkat(source_dir, source_name.c_str(), m_cur.get(), name.c_str(), 0) == 0)
        return Placed::Linked;
    const int err = errno;
    if (err == EEXIST)
        return core::make_error(core::ErrorKind::Corrupt,
                                "another file is already at " + shown + "; it is kept",
                                core::Scope::Message);
    if (err != EXDEV && err != EPERM && err != EMLINK)
        return file_error(err, "cannot link " + shown_source + " as", shown);
    // No hard link across these file systems: a copy, delivered through tmp/ as Maildir says.
    UniqueFd source(::openat(source_dir, source_name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!source)
        return file_error(errno, "cannot read", shown_source);
    IMM_ASSIGN(auto copy, TempFileAt::create(m_tmp.get(), m_shown + "/tmp"));
    IMM_TRY(copy.copy_from(source.get(), shown_source));
    IMM_TRY(copy.commit(m_cur.get(), name, shown, TempFileAt::Replace::Refused));
    return Placed::Copied;
}

Result<void> MaildirFolder::rename(const MaildirFile& file, const std::string& name) {
    const std::string shown = m_shown + "/cur/" + name;
    if (::renameat2(dir_of(file), file.name.c_str(), m_cur.get(), name.c_str(), RENAME_NOREPLACE) !=
        0) {
        if (errno == EEXIST)
            return core::make_error(core::ErrorKind::Corrupt,
                                    "another file is already at " + shown + "; it is kept",
                                    core::Scope::Message);
        return file_error(errno, "cannot rename " + shown_file(file) + " to", shown);
    }
    return {};
}

Result<void> MaildirFolder::remove(const MaildirFile& file) {
    if (::unlinkat(dir_of(file), file.name.c_str(), 0) != 0 && errno != ENOENT)
        return file_error(errno, "cannot remove", shown_file(file));
    return {};
}

}  // namespace imapmirror::store
