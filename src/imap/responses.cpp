#include "imap/responses.hpp"

#include <charconv>

#include "imap/mutf7.hpp"

namespace imapmirror::imap {

using core::ErrorKind;
using core::make_error;

namespace {
core::Error malformed(const Response& r, const char* what) {
    auto e = make_error(ErrorKind::Parse, std::string("malformed ") + what + " response");
    e.server_reply = r.summary();
    return e;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty())
        return std::nullopt;
    return v;
}
}  // namespace

bool Capabilities::has(std::string_view cap) const {
    return atoms.count(ascii_upper(cap)) > 0;
}

Capabilities parse_capability_atoms(std::string_view s) {
    Capabilities caps;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t sp = s.find(' ', pos);
        if (sp == std::string_view::npos)
            sp = s.size();
        // Tolerates doubled and trailing spaces (seen from iCloud).
        if (sp > pos)
            caps.atoms.insert(ascii_upper(s.substr(pos, sp - pos)));
        pos = sp + 1;
    }
    return caps;
}

core::Result<Capabilities> parse_capability(const Response& r) {
    if (r.data_name() != "CAPABILITY")
        return malformed(r, "CAPABILITY");
    Capabilities caps;
    for (size_t i = 1; i < r.data.size(); ++i) {
        if (!r.data[i].is_atom())
            return malformed(r, "CAPABILITY");
        caps.atoms.insert(ascii_upper(r.data[i].text));
    }
    return caps;
}

bool ListEntry::has_attribute(std::string_view a) const {
    for (const auto& x : attributes)
        if (iequals(x, a))
            return true;
    return false;
}

bool ListEntry::selectable() const {
    return !has_attribute("\\Noselect") && !has_attribute("\\NonExistent");
}

std::string ListEntry::special_use() const {
    static const char* kUses[] = {"\\All",  "\\Archive", "\\Drafts", "\\Flagged",
                                  "\\Junk", "\\Sent",    "\\Trash",  "\\Important"};
    for (const char* u : kUses)
        if (has_attribute(u))
            return u;
    return {};
}

core::Result<ListEntry> parse_list(const Response& r) {
    auto name = r.data_name();
    if ((name != "LIST" && name != "LSUB") || r.data.size() < 4 || !r.data[1].is_list())
        return malformed(r, "LIST");
    ListEntry e;
    for (const auto& a : r.data[1].items) {
        if (!a.is_atom())
            return malformed(r, "LIST");
        e.attributes.push_back(a.text);
    }
    if (r.data[2].is_string() && r.data[2].text.size() == 1)
        e.delimiter = r.data[2].text[0];
    else if (!r.data[2].is_nil())
        return malformed(r, "LIST");
    if (!r.data[3].is_text())
        return malformed(r, "LIST");
    e.raw_name = r.data[3].text;
    if (iequals(e.raw_name, "INBOX"))
        e.raw_name = "INBOX";
    auto decoded = mutf7_decode(e.raw_name);
    if (decoded) {
        e.name = std::move(decoded).value();
    } else {
        e.name = e.raw_name;
        e.name_decoded = false;
    }
    return e;
}

core::Result<MailboxStatus> parse_status(const Response& r) {
    if (r.data_name() != "STATUS" || r.data.size() < 3 || !r.data[1].is_text() ||
        !r.data[2].is_list() || r.data[2].items.size() % 2 != 0)
        return malformed(r, "STATUS");
    MailboxStatus s;
    s.raw_name = r.data[1].text;
    const auto& items = r.data[2].items;
    for (size_t i = 0; i + 1 < items.size(); i += 2) {
        if (!items[i].is_atom())
            return malformed(r, "STATUS");
        auto key = ascii_upper(items[i].text);
        if (key == "APPENDLIMIT" && items[i + 1].is_nil())
            continue;  // this folder takes messages of any size
        auto n = items[i + 1].number();
        if (!n)
            return malformed(r, "STATUS");
        if (key == "MESSAGES")
            s.messages = n;
        else if (key == "UNSEEN")
            s.unseen = n;
        else if (key == "RECENT")
            s.recent = n;
        else if (key == "UIDNEXT")
            s.uidnext = n;
        else if (key == "UIDVALIDITY")
            s.uidvalidity = n;
        else if (key == "HIGHESTMODSEQ")
            s.highestmodseq = n;
        else if (key == "SIZE")
            s.size = n;
        else if (key == "APPENDLIMIT")
            s.append_limit = n;
    }
    return s;
}

core::Result<MailboxStatus> parse_status(const Response& r, std::string_view asked_raw_name) {
    auto strict = parse_status(r);
    if (strict || r.data_name() != "STATUS" || r.data.size() < 4 || !r.data.back().is_list())
        return strict;
    std::string joined;
    for (size_t i = 1; i + 1 < r.data.size(); ++i) {
        if (!r.data[i].is_atom())
            return strict;
        joined += (i > 1 ? " " : "") + r.data[i].text;
    }
    if (joined != asked_raw_name)
        return strict;
    Response fixed = r;
    fixed.data.erase(fixed.data.begin() + 2, fixed.data.end() - 1);
    fixed.data[1] = Value::string(std::move(joined));
    return parse_status(fixed);
}

core::Result<SequenceSet> SequenceSet::parse(std::string_view set, size_t max_ranges) {
    SequenceSet out;
    size_t pos = 0;
    if (set.empty())
        return make_error(ErrorKind::Parse, "empty sequence set");
    while (pos <= set.size()) {
        size_t comma = set.find(',', pos);
        if (comma == std::string_view::npos)
            comma = set.size();
        auto part = set.substr(pos, comma - pos);
        size_t colon = part.find(':');
        auto a = parse_u64(part.substr(0, colon));
        auto b = colon == std::string_view::npos ? a : parse_u64(part.substr(colon + 1));
        if (!a || !b || *a > UINT32_MAX || *b > UINT32_MAX)
            return make_error(ErrorKind::Parse,
                              "malformed sequence set: " + std::string(set.substr(0, 200)));
        if (out.m_ranges.size() >= max_ranges)
            return make_error(ErrorKind::Limit, "sequence set has more than " +
                                                    std::to_string(max_ranges) + " parts");
        out.add(static_cast<uint32_t>(std::min(*a, *b)), static_cast<uint32_t>(std::max(*a, *b)));
        pos = comma + 1;
    }
    return out;
}

void SequenceSet::add(uint32_t first, uint32_t last) {
    m_ranges.push_back(Range{first, last});
    m_count += uint64_t{last} - first + 1;
}

core::Result<std::vector<uint32_t>> SequenceSet::expand(uint64_t limit) const {
    if (m_count > limit)
        return make_error(ErrorKind::Limit,
                          "the server's answer stands for " + std::to_string(m_count) +
                              " numbers, more than the limit of " + std::to_string(limit));
    std::vector<uint32_t> out;
    out.reserve(static_cast<size_t>(m_count));
    for (const auto& r : m_ranges)
        for (uint64_t v = r.first; v <= r.last; ++v)
            out.push_back(static_cast<uint32_t>(v));
    return out;
}

core::Result<std::vector<uint32_t>> expand_sequence_set(std::string_view set, size_t limit) {
    IMM_ASSIGN(auto parsed, SequenceSet::parse(set));
    return parsed.expand(limit);
}

core::Result<SequenceSet> parse_search_set(const Response& r) {
    auto name = r.data_name();
    SequenceSet out;
    if (name == "SEARCH") {
        for (size_t i = 1; i < r.data.size(); ++i) {
            if (r.data[i].is_list())
                break;  // "(MODSEQ n)" trailer (RFC 7162)
            auto n = r.data[i].number();
            if (!n || *n > UINT32_MAX)
                return malformed(r, "SEARCH");
            out.add(static_cast<uint32_t>(*n), static_cast<uint32_t>(*n));
        }
        return out;
    }
    if (name == "ESEARCH") {
        for (size_t i = 1; i + 1 < r.data.size(); ++i) {
            if (r.data[i].is_atom("ALL") && r.data[i + 1].is_atom())
                return SequenceSet::parse(r.data[i + 1].text);
        }
        return out;  // no ALL: nothing matched
    }
    return malformed(r, "SEARCH");
}

namespace {
core::Error absurd(const Response& r, core::Error e) {
    // A Limit from a response that is syntactically fine: the server is broken or hostile.
    // It is this folder's answer, so it costs the folder; the session it broke is replaced.
    e.kind = ErrorKind::Protocol;
    e.scope = core::Scope::Folder;
    e.retryable = false;
    auto s = r.summary();
    e.server_reply = s.size() > 200 ? s.substr(0, 200) + "..." : s;
    return e;
}
}  // namespace

core::Result<std::vector<uint32_t>> parse_search(const Response& r, uint64_t limit) {
    IMM_ASSIGN(auto set, parse_search_set(r));
    auto out = set.expand(limit);
    if (!out)
        return absurd(r, std::move(out).error());
    return out;
}

core::Result<Vanished> parse_vanished(const Response& r, uint64_t limit) {
    if (r.data_name() != "VANISHED" || r.data.size() < 2)
        return malformed(r, "VANISHED");
    Vanished v;
    size_t i = 1;
    if (r.data[1].is_list()) {
        v.earlier = r.data[1].items.size() == 1 && r.data[1].items[0].is_atom("EARLIER");
        ++i;
    }
    if (i >= r.data.size() || !r.data[i].is_atom())
        return malformed(r, "VANISHED");
    IMM_ASSIGN(auto set, SequenceSet::parse(r.data[i].text));
    auto uids = set.expand(limit);
    if (!uids)
        return absurd(r, std::move(uids).error());
    v.uids = std::move(uids).value();
    return v;
}

void MailboxState::absorb(const Response& r) {
    if (r.is_status() && r.code) {
        const auto& c = *r.code;
        auto n = parse_u64(c.args);
        if (c.name == "UIDVALIDITY" && n && *n <= UINT32_MAX)
            uidvalidity = static_cast<uint32_t>(*n);
        else if (c.name == "UIDNEXT" && n && *n <= UINT32_MAX)
            uidnext = static_cast<uint32_t>(*n);
        else if (c.name == "HIGHESTMODSEQ" && n)
            highestmodseq = n;
        else if (c.name == "READ-ONLY")
            read_only = true;
        return;
    }
    if (r.numbered_name() == "EXISTS") {
        exists = *r.number();
    } else if (r.data_name() == "FLAGS" && r.data.size() >= 2 && r.data[1].is_list()) {
        flags.clear();
        for (const auto& f : r.data[1].items)
            if (f.is_atom())
                flags.push_back(f.text);
    }
}

core::Result<std::string> parse_namespace_personal(const Response& r) {
    if (r.data.size() < 2 || !r.data[0].is_atom("NAMESPACE"))
        return core::make_error(core::ErrorKind::Parse, "not a NAMESPACE response: " + r.summary());
    const Value& personal = r.data[1];
    if (personal.is_nil())
        return std::string();
    if (!personal.is_list() || personal.items.empty() || !personal.items[0].is_list() ||
        personal.items[0].items.empty() || !personal.items[0].items[0].is_text())
        return core::make_error(core::ErrorKind::Parse,
                                "malformed NAMESPACE response: " + r.summary());
    return personal.items[0].items[0].text;
}

}  // namespace imapmirror::imap
