#pragma once
// Where things go in the mirror tree (README "Reading the archive"):
//
//   DIR/index.sqlite
//   DIR/<folder>/<sub-folder>/...               one directory per IMAP folder, hierarchy kept
//   DIR/<folder>/<UIDVALIDITY>-<UID>.eml        each message, byte-exact
//   DIR/<folder>/<UIDVALIDITY>-<UID>.attachments/<file name>
//
// Message names depend only on (folder, UIDVALIDITY, UID), so they are stable across runs and
// unique even after a UIDVALIDITY change. Folder components that could be mistaken for a
// message file or the index are altered so that they never collide with one.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace imapmirror::store {

inline constexpr const char* kIndexFileName = "index.sqlite";
inline constexpr const char* kTempPrefix = ".imapmirror-tmp-";

// "<uidvalidity>-<uid>"
std::string message_base_name(uint32_t uidvalidity, uint32_t uid);

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
