// Fuzz target: store::sanitize_component and store::FolderPaths, which turn server- and
// message-chosen names into paths inside the archive.
//
// Input: byte 0 picks the hierarchy delimiter (0: none, else that byte); the rest is a list of
// folder names separated by '\n', assigned in sorted order as FolderPaths asks. Each name is also
// sanitized on its own as a file name.
//
// Checked beyond "no crash":
// - a component is never empty, "." or "..", never holds '/', '\\' or NUL, stays within
//   kMaxComponentBytes, is valid UTF-8, and is the same on a second call;
// - numbered variants keep those properties (with the suffix' few extra bytes);
// - a folder path is relative, made of such components, stays the same when assigned again,
//   sits inside its parent folder's path when the parent was assigned, never collides (after
//   NFC and case folding) with another folder's, never looks like a message file and never
//   takes the name of the index (or its -wal, -shm, -journal) at the top.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "store/mirror_layout.hpp"
#include "store/name_sanitizer.hpp"

using namespace imapmirror;
using fuzz::check;

namespace {

void check_component(std::string_view c, size_t max_bytes) {
    check(!c.empty(), "empty component");
    check(c != "." && c != "..", "component is . or ..");
    check(c.find('/') == std::string_view::npos, "component holds '/'");
    check(c.find('\\') == std::string_view::npos, "component holds '\\'");
    check(c.find('\0') == std::string_view::npos, "component holds NUL");
    check(c.size() <= max_bytes, "component over the byte limit");
    check(fuzz::is_valid_utf8(c), "component is not valid UTF-8");
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (size_t start = 0;;) {
        size_t end = s.find(sep, start);
        out.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos)
            return out;
        start = end + 1;
    }
}

void check_folder_path(const std::string& path) {
    check(!path.empty() && path.front() != '/', "folder path is empty or absolute");
    auto parts = split(path, '/');
    for (auto c : parts) {
        // a numbered variant may add " (n)" to a full-length component
        check_component(c, store::kMaxComponentBytes + 16);
        check(!store::is_archive_file_name(c), "folder takes a name the archive writes");
    }
    const std::string key = store::collision_key(parts[0]);
    const std::string index = store::kIndexFileName;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        check(key != index + suffix, "top folder takes the name of the index or its files");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1)
        return 0;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::optional<char> delimiter;
    if (in[0] != 0)
        delimiter = in[0];
    auto names = split(in.substr(1), '\n');
    if (names.size() > 64)
        names.resize(64);

    for (auto name : names) {
        std::string c = store::sanitize_component(name);
        check_component(c, store::kMaxComponentBytes);
        check(c == store::sanitize_component(name), "sanitize_component is not deterministic");
        check(fuzz::is_valid_utf8(store::collision_key(c)), "collision key not valid UTF-8");
        std::string v = store::numbered_variant(c, 12);
        check_component(v, store::kMaxComponentBytes + 16);
    }

    // FolderPaths' contract: new folders are assigned in name order (parents first).
    std::sort(names.begin(), names.end());
    store::FolderPaths paths;
    std::map<std::string, std::string> assigned;  // decoded name -> path
    std::map<std::string, std::string> by_key;    // collision key -> decoded name
    for (auto name : names) {
        std::string path = paths.assign(name, delimiter);
        check_folder_path(path);
        check(paths.assign(name, delimiter) == path, "a folder's path changed on reassign");
        auto [it, fresh] = assigned.emplace(std::string(name), path);
        check(it->second == path, "a folder's path changed");
        auto key = store::collision_key(path);
        auto [k, new_key] = by_key.emplace(key, std::string(name));
        check(new_key || k->second == name, "two folders share a path after case folding");
        if (delimiter) {
            size_t d = name.rfind(*delimiter);
            if (d != std::string_view::npos) {
                auto parent = assigned.find(std::string(name.substr(0, d)));
                if (parent != assigned.end())
                    check(path.rfind(parent->second + "/", 0) == 0,
                          "a folder outside its parent's directory");
            }
        }
    }
    return 0;
}
