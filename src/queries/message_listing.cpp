#include "queries/message_listing.hpp"

#include <algorithm>

#include "imap/internal_date.hpp"
#include "mime/header_text.hpp"

namespace imapmirror::queries {

MessageSummary summarize(const imap::FetchData& f) {
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
    for (const auto& sec : f.sections) {
        if (!imap::iequals(sec.name.substr(0, 18), "BODY[HEADER.FIELDS") || !sec.value->is_string())
            continue;
        auto headers = mime::parse_header_block(sec.value->text);
        s.list_unsubscribe = mime::header_value(headers, "List-Unsubscribe");
        s.list_unsubscribe_post = mime::header_value(headers, "List-Unsubscribe-Post");
    }
    return s;
}

core::Result<FolderListing> list_folder(imap::Client& client, const std::string& folder,
                                        const Page& a) {
    FolderListing out;
    out.folder = folder;
    auto state = client.examine(folder);
    if (!state)
        return std::move(state).error();
    out.exists = state->exists;
    out.uidvalidity = state->uidvalidity;
    // Pages over sequence numbers: the server keeps them in UID (arrival) order, so the
    // newest messages have the highest numbers.
    uint64_t n = out.exists, k = a.paged() ? a.page_size : n, skip = uint64_t{a.page - 1} * k;
    if (skip >= n)
        return out;
    uint64_t lo, hi;
    if (a.newest_first) {
        hi = n - skip;
        lo = hi >= k ? hi - k + 1 : 1;
    } else {
        lo = skip + 1;
        hi = std::min(n, skip + k);
    }
    // In batches: one answer for a whole large folder would be held at once.
    constexpr uint64_t kBatch = 2000;
    for (uint64_t from = lo; from <= hi; from += kBatch) {
        const uint64_t to = std::min(hi, from + kBatch - 1);
        imap::MessageSet set{false, std::to_string(from) + ":" + std::to_string(to)};
        auto fetched =
            client.fetch(set, kSummaryItems, [&](const imap::FetchData& f) -> core::Result<void> {
                if (f.seq >= from && f.seq <= to && f.uid)
                    out.messages.push_back(summarize(f));
                return {};
            });
        if (!fetched)
            return std::move(fetched).error().with_folder(folder);
    }
    std::sort(out.messages.begin(), out.messages.end(),
              [&](const MessageSummary& x, const MessageSummary& y) {
                  return a.newest_first ? x.seq > y.seq : x.seq < y.seq;
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
