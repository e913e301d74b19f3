#pragma once
// Where things go in the mirror tree (README "Reading the archive"):
//
//   DIR/index.sqlite
//   DIR/<folder>/<sub-folder>/...               one directory per IMAP folder, hierarchy kept
//   DIR/<folder>/<UIDVALIDITY>-<UID>.eml        each message, byte-exact
//   DIR/<folder>/<UIDVALIDITY>-<UID>.attachments/<file name>
//   DIR/<folder>/<UIDVALIDITY>-<UID>.msg         with export --msg
//   DIR/<folder>/<UIDVALIDITY>-<UID>.conflict-<SHA-256 prefix>.eml   other bytes, same UID
//   DIR/<folder>/.imapmirror-tmp-XXXXXX         temporaries (a file, or a directory of them)
//   DIR/.attachments-store/ab/<SHA-256>         each distinct attachment once; the messages'
//                                               attachment files are hard links to it
//                                               (store/attachment_store.hpp)
//
// Message names depend only on (folder, UIDVALIDITY, UID), so they are stable across runs and
// unique even after a UIDVALIDITY change.
//
// The reserved-name rule: every name the archive writes in a folder directory, beside the
// sub-folders' directories, is an archive file name (is_archive_file_name): it begins with a
// message's base name and a dot ("<digits>-<digits>.", whatever follows: .eml, .attachments,
// .msg, .conflict-..., and any kind added later, such as kept-aside copies or dumps) or with
// kTempPrefix. A folder directory never has such a name: a folder component that begins like
// a message's name gets a leading '_' (and sanitize_component never lets one begin with '.').
// Paths already in the index are kept, so a folder directory an earlier version named
// "1-2.msg" stays; the writers refuse to put a file where a directory is (see DurableBatch).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/atomic_file.hpp"

namespace imapmirror::store {

inline constexpr const char* kIndexFileName = "index.sqlite";
using core::kTempPrefix;  // core/atomic_file.hpp: AtomicFile writes such names too

// "<uidvalidity>-<uid>"
std::string message_base_name(uint32_t uidvalidity, uint32_t uid);

// True for a name the archive may write beside messages in a folder directory (the
// reserved-name rule above): "<digits>-<digits>." followed by anything, or kTempPrefix and
// anything. Never true for a folder component FolderPaths assigns.
bool is_archive_file_name(std::string_view component);

// Assigns each folder a relative directory path, deterministically: call reserve() for the
// folders the archive already has (their paths are kept), then assign() new folders in
// raw-name order. Two folders never get paths that are equal after NFC and case folding
// (collision_key), and a folder's
// directory is inside its parent folder's directory.
class FolderPaths {
  public:
    void reserve(const std::string& decoded_name, const std::string& relative_path);
    // Path for a folder with this decoded name and hierarchy delimiter (none: flat name).
    std::string assign(std::string_view decoded_name, std::optional<char> delimiter);

  private:
    std::set<std::string> m_taken;                 // collision keys of full relative paths
    std::map<std::string, std::string> m_by_name;  // decoded folder name -> path
};

}  // namespace imapmirror::store
