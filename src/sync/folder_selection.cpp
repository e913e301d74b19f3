#include "sync/folder_selection.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "core/ascii.hpp"
#include "core/edit_distance.hpp"
#include "core/log.hpp"

namespace imapmirror::sync {

namespace {

constexpr std::string_view kInbox = "INBOX";

// `text` with a leading INBOX in any case written `INBOX`, when it is the whole of its first
// name component (`Inbox`, `inbox/Sent`, `INBOX.*`; not `Inboxes`).
std::string canonical_inbox(std::string text) {
    if (text.size() >= kInbox.size() &&
        core::ascii_iequals(std::string_view(text).substr(0, kInbox.size()), kInbox)) {
        const bool whole = text.size() == kInbox.size() ||
                           !std::isalnum(static_cast<unsigned char>(text[kInbox.size()]));
        if (whole)
            text.replace(0, kInbox.size(), kInbox);
    }
    return text;
}

bool matches(const std::string& glob, const std::string& name) {
    return ::fnmatch(canonical_inbox(glob).c_str(), canonical_inbox(name).c_str(), 0) == 0;
}

bool any_matches(const std::vector<std::string>& globs, const std::string& name) {
    return std::any_of(globs.begin(), globs.end(),
                       [&](const std::string& g) { return matches(g, name); });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = core::ascii_lower(c);
    return out;
}

std::vector<std::string> nearest_names(const std::string& pattern,
                                       const std::vector<std::string>& names) {
    // Close enough to be the name meant: a few typos, more for a long name.
    const size_t limit = std::max<size_t>(3, pattern.size() / 3);
    std::vector<std::pair<size_t, std::string>> scored;
    for (const auto& name : names) {
        const size_t d = core::edit_distance(lower(pattern), lower(name));
        if (d <= limit)
            scored.emplace_back(d, name);
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (size_t i = 0; i < scored.size() && i < 3; ++i)
        out.push_back(scored[i].second);
    return out;
}

}  // namespace

bool folder_selected(const std::string& name, const std::vector<std::string>& include,
                     const std::vector<std::string>& exclude) {
    if (!include.empty() && !any_matches(include, name))
        return false;
    return !any_matches(exclude, name);
}

std::vector<UnmatchedPattern> unmatched_patterns(const std::vector<std::string>& names,
                                                 const std::vector<std::string>& include,
                                                 const std::vector<std::string>& exclude,
                                                 const std::vector<std::string>& quiet) {
    std::vector<UnmatchedPattern> out;
    auto check = [&](const char* option, const std::vector<std::string>& globs) {
        for (const auto& glob : globs) {
            if (std::count(quiet.begin(), quiet.end(), glob) ||
                std::any_of(names.begin(), names.end(),
                            [&](const std::string& n) { return matches(glob, n); }))
                continue;
            out.push_back(UnmatchedPattern{option, glob, nearest_names(glob, names)});
        }
    };
    check("--include", include);
    check("--exclude", exclude);
    return out;
}

std::string describe(const UnmatchedPattern& u) {
    std::string s = u.option + " '" + u.pattern + "' matches no folder";
    if (!u.nearest.empty()) {
        s += " (nearest: ";
        for (size_t i = 0; i < u.nearest.size(); ++i)
            s += (i ? ", " : "") + u.nearest[i];
        s += ")";
    }
    return core::one_line(s);
}

}  // namespace imapmirror::sync
