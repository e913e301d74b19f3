#pragma once
// Maildir folders that `dump` writes outside the archive (DESIGN.md section 7): file names
// "<uidvalidity>-<uid>.imapmirror:2,FLAGS", the part before ':' a stable key so that a later
// dump finds its own files again, and the writes that add, rename and remove them. Every
// directory is reached through the dump target's descriptor with O_NOFOLLOW (ArchiveRoot), so
// a link planted in the target is refused, never followed.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/archive_root.hpp"

namespace imapmirror::store {

// The info flags of IMAP flags ("\Seen \Answered $Forwarded"): D \Draft, F \Flagged,
// P $Forwarded, R \Answered, S \Seen, T \Deleted, in ASCII order, each once. System flags
// are case-insensitive (RFC 3501 2.3.2); other keywords have no Maildir letter and are left out.
std::string maildir_flags(std::string_view imap_flags);

// A message's identity in a dump folder: the archive's (UIDVALIDITY, UID) in that folder.
struct MaildirKey {
    uint32_t uidvalidity = 0, uid = 0;
    auto operator<=>(const MaildirKey&) const = default;
};

// "<uidvalidity>-<uid>.imapmirror:2,<maildir_flags>"
std::string maildir_name(MaildirKey key, std::string_view imap_flags);

// The key of a name maildir_name made (any info after ':' accepted); nullopt for every other
// name (a file the user or a mail program put there, which dump never touches).
std::optional<MaildirKey> parse_maildir_name(std::string_view name);

// The dump's directory for an archive folder directory ("INBOX/Lists"): the same components,
// except that one named cur, new or tmp (a maildir's own subdirectories) gets a leading '_'.
std::string maildir_folder_path(std::string_view archive_folder_path);

// A file of ours found in a maildir.
struct MaildirFile {
    MaildirKey key;
    bool in_new = false;  // in new/ rather than cur/
    std::string name;
};

enum class Placed { Linked, Copied };

// One maildir (DIR/cur, new, tmp) beneath the dump target.
class MaildirFolder {
  public:
    // Opens `relative` beneath `target` with its cur/, new/ and tmp/, creating them (0700) when
    // `create`; without `create`, nullopt when the folder or one of the three is missing.
    // A link on the way is an error of scope Folder naming it.
    static core::Result<std::optional<MaildirFolder>> open(const ArchiveRoot& target,
                                                           const std::string& relative,
                                                           bool create);

    // Our files in cur/ and new/ (parse_maildir_name), in no particular order.
    core::Result<std::vector<MaildirFile>> files() const;

    // Gives the regular file `source_name` in `source_dir` the name cur/`name`: a hard link,
    // or, where the file system refuses one (EXDEV, EPERM, EMLINK), a copy written in tmp/,
    // fsynced and renamed. Never replaces a file (an error of scope Message) and never reads
    // through a link (`shown_source` names the source in errors).
    core::Result<Placed> add(int source_dir, const std::string& source_name,
                             const std::string& shown_source, const std::string& name);
    // Renames `file` to cur/`name`, never over another file.
    core::Result<void> rename(const MaildirFile& file, const std::string& name);
    core::Result<void> remove(const MaildirFile& file);

    const std::string& shown() const { return m_shown; }

  private:
    MaildirFolder(UniqueFd cur, UniqueFd new_dir, UniqueFd tmp, std::string shown)
        : m_cur(std::move(cur)),
          m_new(std::move(new_dir)),
          m_tmp(std::move(tmp)),
          m_shown(std::move(shown)) {}
    int dir_of(const MaildirFile& f) const { return f.in_new ? m_new.get() : m_cur.get(); }
    std::string shown_file(const MaildirFile& f) const {
        return m_shown + (f.in_new ? "/new/" : "/cur/") + f.name;
    }
    UniqueFd m_cur, m_new, m_tmp;
    std::string m_shown;  // the folder's path, for messages
};

}  // namespace imapmirror::store
