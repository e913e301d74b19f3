#pragma once
// Which folders --include and --exclude select, and the patterns that select nothing (a typo
// must not back up nothing every night and call it success).

#include <string>
#include <vector>

namespace imapmirror::sync {

// True when `name` is selected by the include/exclude globs (fnmatch, '*' also crosses '/').
// INBOX is case-insensitive (RFC 3501 5.1): `inbox`, `Inbox/*` match INBOX and the folders
// below it as `INBOX`, `INBOX/*` do. Every other name is matched as written.
bool folder_selected(const std::string& name, const std::vector<std::string>& include,
                     const std::vector<std::string>& exclude);

// An --include or --exclude glob that matches none of the server's folders.
struct UnmatchedPattern {
    std::string option;   // "--include" or "--exclude"
    std::string pattern;  // as given
    // Up to three folder names closest to it (edit distance, ignoring case), nearest first;
    // empty when none is close.
    std::vector<std::string> nearest;
};

// The patterns of `include` and `exclude` that match none of `names` (decoded folder names),
// in the order given; those in `quiet` (a provider's default excludes, which an account may
// well lack) are never reported. Pure.
std::vector<UnmatchedPattern> unmatched_patterns(const std::vector<std::string>& names,
                                                 const std::vector<std::string>& include,
                                                 const std::vector<std::string>& exclude,
                                                 const std::vector<std::string>& quiet);

// "--include 'Inbx' matches no folder (nearest: INBOX, Inbox2)": one line, control characters
// escaped.
std::string describe(const UnmatchedPattern& unmatched);

}  // namespace imapmirror::sync
