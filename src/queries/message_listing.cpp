#include "queries/message_listing.hpp"

#include <algorithm>
#include <cctype>

#include "core/utf8.hpp"
#include "imap/internal_date.hpp"
#include "mime/header_text.hpp"
#include "mime/message_parser.hpp"

namespace imapmirror::queries {

namespace {

// The headers every summary reads from BODY[HEADER.FIELDS], beside ENVELOPE.
constexpr const char* kSummaryHeaders[] = {"TO", "CC", "DATE", "LIST-UNSUBSCRIBE",
                                           "LIST-UNSUBSCRIBE-POST"};

bool is_summary_header(std::string_view name) {
    return std::any_of(std::begin(kSummaryHeaders), std::end(kSummaryHeaders),
                       [&](const char* h) { return imap::iequals(name, h); });
}

}  // namespace

core::Result<void> check_header_name(std::string_view name) {
    // RFC 5322 2.2: ftext is %d33-57 / %d59-126.
    const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return c >= 33 && c <= 126 && c != ':';
    });
    if (ok)
        return {};
    auto e = core::make_error(core::ErrorKind::Usage, "--header \"" + core::to_valid_utf8(name) +
                                                          "\" is not a header field name");
    e.hint = "a name is printable ASCII without spaces or ':', e.g. --header X-Mailer";
    return e;
}

core::Result<std::string> summary_items(const std::vector<std::string>& extra) {
    std::string names;
    for (const char* h : kSummaryHeaders)
        names += (names.empty() ? "" : " ") + std::string(h);
    std::vector<std::string> seen;
    for (const auto& name : extra) {
        IMM_TRY(check_header_name(name));
        if (is_summary_header(name) ||
            std::any_of(seen.begin(), seen.end(),
                        [&](const std::string& s) { return imap::iequals(s, name); }))
            continue;
        seen.push_back(name);
        // RFC 3501's header-fld-name is an astring; anything beyond letters, digits and '-'
        // is quoted, as a ']' inside the section would confuse servers' section parsers.
        const bool plain = std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
        });
        std::string arg = "\"";
        for (char c : name)
            arg += (c == '"' || c == '\\') ? std::string{'\\', c} : std::string{c};
        names += " " + (plain ? name : arg + "\"");
    }
    return "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (" + names + ")])";
}

MessageSummary summarize(const imap::FetchData& f, const std::vector<std::string>& extra) {
    MessageSummary s;
    s.seq = f.seq;
    s.uid = f.uid.value_or(0);
    if (f.flags)
        s.flags = *f.flags;
    s.size = f.size.value_or(0);
    if (f.internal_date)
        s.internal_date = imap::parse_internal_date(*f.internal_date);
    if (f.envelope) {
        s.subject = mime::decode_header_text(f.envelope->subject);
        s.message_id = f.envelope->message_id;
        if (!f.envelope->from.empty()) {
            s.from_name = mime::decode_header_text(f.envelope->from[0].name);
            s.from_email = f.envelope->from[0].email();
        }
    }
    for (const auto& name : extra)
        s.extra_headers.push_back(ExtraHeader{name, {}});
    for (const auto& sec : f.sections) {
        if (!imap::iequals(sec.name.substr(0, 18), "BODY[HEADER.FIELDS") || !sec.value->is_string())
            continue;
        const std::string& block = sec.value->text;
        auto headers = mime::parse_header_block(block);
        s.list_unsubscribe = mime::header_value(headers, "List-Unsubscribe");
        s.list_unsubscribe_post = mime::header_value(headers, "List-Unsubscribe-Post");
        // The index's own reading of these fields, so list and search agree.
        const core::MessageHeaders read = mime::headers_of_block(block);
        s.to = core::to_valid_utf8(read.to);
        s.cc = core::to_valid_utf8(read.cc);
        s.date = read.date;
        for (auto& extra_header : s.extra_headers)
            for (const auto& [name, value] : headers)
                if (imap::iequals(name, extra_header.name))
                    extra_header.values.push_back(
                        core::to_valid_utf8(mime::decode_header_text(value)));
    }
    return s;
}

namespace {

// The UIDs of the examined folder that match `c`, ascending. After [BADCHARSET] the server is
// asked the ASCII criteria alone and the rest is matched on each candidate's envelope.
core::Result<std::vector<uint32_t>> matching_uids(imap::Client& client, const SearchCriteria& c) {
    const size_t longest = std::max(c.from.size(), c.subject.size());
    const auto form = client.literal_form(longest);
    IMM_ASSIGN(auto args, search_arguments(c, SearchCharset::Utf8, form));
    auto uids = client.uid_search(args);
    if (uids || !c.needs_utf8() || !imap::refused_charset(uids.error()))
        return uids;
    IMM_ASSIGN(args, search_arguments(c, SearchCharset::Ascii, form));
    IMM_ASSIGN(auto candidates, client.uid_search(args));
    std::vector<uint32_t> out;
    for (const auto& set : imap::uid_set_chunks(candidates, 2000)) {
        IMM_TRY(
            client.fetch(imap::MessageSet{true, set}, "(UID ENVELOPE)",
                         [&](const imap::FetchData& f) -> core::Result<void> {
                             if (!f.uid || !f.envelope)
                                 return {};
                             const MessageSummary m = summarize(f);
                             if (matches_left_out(c, m.from_name + " " + m.from_email, m.subject))
                                 out.push_back(*f.uid);
                             return {};
                         }));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// The [lo, hi] (from 1) of `n` items that page `a` shows; lo > hi when it shows none.
std::pair<uint64_t, uint64_t> page_range(const Page& a, uint64_t n) {
    const uint64_t k = a.paged() ? a.page_size : n, skip = uint64_t{a.page - 1} * k;
    if (skip >= n)
        return {1, 0};
    if (a.newest_first) {
        const uint64_t hi = n - skip;
        return {hi >= k ? hi - k + 1 : 1, hi};
    }
    return {skip + 1, std::min(n, skip + k)};
}

}  // namespace

core::Result<FolderListing> list_folder(imap::Client& client, const std::string& folder,
                                        const ListRequest& request) {
    const Page& a = request.page;
    FolderListing out;
    out.folder = folder;
    auto state = client.examine(folder);
    if (!state)
        return std::move(state).error();
    out.exists = state->exists;
    out.uidvalidity = state->uidvalidity;
    auto items = summary_items(request.headers);
    if (!items)
        return std::move(items).error();
    auto keep = [&](const imap::FetchData& f) {
        out.messages.push_back(summarize(f, request.headers));
    };
    // In batches: one answer for a whole large folder would be held at once.
    constexpr uint64_t kBatch = 2000;
    if (request.search.any()) {
        auto uids = matching_uids(client, request.search);
        if (!uids)
            return std::move(uids).error().with_folder(folder);
        out.matched = uids->size();
        // Pages over the matches in UID (arrival) order, as over sequence numbers below.
        const auto [lo, hi] = page_range(a, uids->size());
        if (lo > hi)
            return out;
        std::vector<uint32_t> page(uids->begin() + static_cast<std::ptrdiff_t>(lo - 1),
                                   uids->begin() + static_cast<std::ptrdiff_t>(hi));
        for (const auto& set : imap::uid_set_chunks(page, kBatch)) {
            auto fetched =
                client.fetch(imap::MessageSet{true, set}, *items,
                             [&](const imap::FetchData& f) -> core::Result<void> {
                                 if (f.uid && std::binary_search(page.begin(), page.end(), *f.uid))
                                     keep(f);
                                 return {};
                             });
            if (!fetched)
                return std::move(fetched).error().with_folder(folder);
        }
    } else {
        // Pages over sequence numbers: the server keeps them in UID (arrival) order, so the
        // newest messages have the highest numbers.
        const auto [lo, hi] = page_range(a, out.exists);
        for (uint64_t from = lo; from <= hi; from += kBatch) {
            const uint64_t to = std::min(hi, from + kBatch - 1);
            imap::MessageSet set{false, std::to_string(from) + ":" + std::to_string(to)};
            auto fetched =
                client.fetch(set, *items, [&](const imap::FetchData& f) -> core::Result<void> {
                    if (f.seq >= from && f.seq <= to && f.uid)
                        keep(f);
                    return {};
                });
            if (!fetched)
                return std::move(fetched).error().with_folder(folder);
        }
    }
    std::sort(out.messages.begin(), out.messages.end(),
              [&](const MessageSummary& x, const MessageSummary& y) {
                  return a.newest_first ? x.uid > y.uid : x.uid < y.uid;
              });
    return out;
}

core::Result<std::vector<std::string>> folders_to_list(imap::Client& client,
                                                       const std::string& folder, bool recursive) {
    if (!recursive)
        return std::vector<std::string>{folder};
    IMM_ASSIGN(auto all, client.list_folders(false));
    std::vector<std::string> out;
    bool found = false;
    for (const auto& f : all) {
        const auto& name = f.entry.name;
        bool self = name == folder || (imap::iequals(folder, "INBOX") && name == "INBOX");
        bool below = f.entry.delimiter && name.size() > folder.size() &&
                     name.compare(0, folder.size(), folder) == 0 &&
                     name[folder.size()] == *f.entry.delimiter;
        if (self)
            found = true;
        if ((self || below) && f.entry.selectable())
            out.push_back(name);
        if (below)
            found = true;
    }
    if (!found) {
        auto e = core::make_error(core::ErrorKind::NotFound, "no folder \"" + folder + "\"");
        e.hint = "list the folders with `imapmirror folders`";
        return e;
    }
    return out;
}

}  // namespace imapmirror::queries
