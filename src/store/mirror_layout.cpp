#include "store/mirror_layout.hpp"

#include <vector>

#include "store/attachment_store.hpp"
#include "store/name_sanitizer.hpp"

namespace imapmirror::store {

std::string message_base_name(uint32_t uidvalidity, uint32_t uid) {
    return std::to_string(uidvalidity) + "-" + std::to_string(uid);
}

bool is_archive_file_name(std::string_view component) {
    if (component.substr(0, std::string_view(kTempPrefix).size()) == kTempPrefix)
        return true;
    // "<digits>-<digits>." and anything after the dot.
    size_t i = 0;
    auto digits = [&] {
        const size_t start = i;
        while (i < component.size() && component[i] >= '0' && component[i] <= '9')
            ++i;
        return i > start;
    };
    if (!digits() || i >= component.size() || component[i++] != '-')
        return false;
    return digits() && i < component.size() && component[i] == '.';
}

namespace {

// A folder component that begins like one of our own file names gets a leading '_', which no
// archive file name begins with.
std::string folder_component(std::string_view raw, bool top_level) {
    std::string c = sanitize_component(raw);
    if (is_archive_file_name(c))
        c.insert(0, 1, '_');
    if (top_level && collision_key(c).rfind(kIndexFileName, 0) == 0)
        c += '_';
    // The attachment store's directory: sanitize_component never begins a name with '.', and
    // this keeps it so should that rule ever change.
    if (top_level && collision_key(c) == collision_key(std::string(kAttachmentStoreDir)))
        c.insert(0, 1, '_');
    return c;
}

std::vector<std::string_view> split(std::string_view s, std::optional<char> delimiter) {
    std::vector<std::string_view> parts;
    if (!delimiter) {
        parts.push_back(s);
        return parts;
    }
    size_t start = 0;
    for (;;) {
        size_t d = s.find(*delimiter, start);
        parts.push_back(
            s.substr(start, d == std::string_view::npos ? std::string_view::npos : d - start));
        if (d == std::string_view::npos)
            break;
        start = d + 1;
    }
    return parts;
}

}  // namespace

void FolderPaths::reserve(const std::string& decoded_name, const std::string& path) {
    m_taken.insert(collision_key(path));
    m_by_name[decoded_name] = path;
}

std::string FolderPaths::assign(std::string_view decoded_name, std::optional<char> delimiter) {
    if (auto it = m_by_name.find(std::string(decoded_name)); it != m_by_name.end())
        return it->second;
    auto parts = split(decoded_name, delimiter);
    // The deepest ancestor that already has a directory decides where this one goes.
    std::string path;
    size_t first = 0;
    std::string prefix;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        prefix += (i ? std::string(1, *delimiter) : "") + std::string(parts[i]);
        if (auto it = m_by_name.find(prefix); it != m_by_name.end()) {
            path = it->second;
            first = i + 1;
        }
    }
    for (size_t i = first; i < parts.size(); ++i) {
        std::string component = folder_component(parts[i], path.empty());
        std::string candidate = path.empty() ? component : path + "/" + component;
        if (i + 1 == parts.size()) {
            for (int n = 2; m_taken.count(collision_key(candidate)); ++n)
                candidate = (path.empty() ? "" : path + "/") + numbered_variant(component, n);
        }
        path = candidate;
    }
    reserve(std::string(decoded_name), path);
    return path;
}

}  // namespace imapmirror::store
