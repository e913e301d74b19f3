#include "sync/run_plan.hpp"

#include <algorithm>
#include <map>

#include "core/log.hpp"
#include "imap/command.hpp"
#include "sync/header_hash.hpp"
#include "sync/label_directories.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;
using core::Scope;

std::string stored_flags(const std::vector<std::string>& flags) {
    std::string out;
    for (const auto& f : flags) {
        if (imap::iequals(f, "\\Recent"))
            continue;
        out += (out.empty() ? "" : " ") + f;
    }
    return out;
}

namespace {

std::vector<std::string> sorted_once(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

}  // namespace

bool gmail_single_instance(const imap::Capabilities& caps, const ExportOptions& options,
                           bool all_mail_selected) {
    return caps.has("X-GM-EXT-1") && !options.gmail_labels_as_folders && all_mail_selected;
}

Result<std::vector<uint32_t>> list_uids(imap::Client& client) {
    std::vector<uint32_t> uids;
    IMM_TRY(client.fetch(imap::MessageSet{true, "1:*"}, "(UID)",
                         [&](const imap::FetchData& f) -> Result<void> {
                             if (f.uid)
                                 uids.push_back(*f.uid);
                             return {};
                         }));
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    return uids;
}

Result<std::vector<uint32_t>> IndexReads::live_uids(int64_t folder_id, uint32_t uidvalidity) {
    if (!m_index || folder_id == 0)
        return std::vector<uint32_t>{};
    return m_index->live_uids(folder_id, uidvalidity);
}

Result<std::vector<index::EpochCandidate>> IndexReads::other_epoch_messages(int64_t folder_id,
                                                                            uint32_t uidvalidity) {
    if (!m_index || folder_id == 0)
        return std::vector<index::EpochCandidate>{};
    return m_index->other_epoch_messages(folder_id, uidvalidity);
}

Result<std::vector<index::StoredState>> IndexReads::stored_states(int64_t folder_id,
                                                                  uint32_t uidvalidity, uint32_t lo,
                                                                  uint32_t hi) {
    if (!m_index || folder_id == 0)
        return std::vector<index::StoredState>{};
    return m_index->stored_states(folder_id, uidvalidity, lo, hi);
}

bool folder_unchanged(const index::FolderRecord& known,
                      const std::optional<imap::MailboxStatus>& now) {
    if (!now || !known.uidvalidity || !known.uidnext || !known.server_messages)
        return false;
    if (!now->uidvalidity || !now->uidnext || !now->messages)
        return false;
    if (*now->uidvalidity != *known.uidvalidity || *now->uidnext != *known.uidnext ||
        *now->messages != *known.server_messages)
        return false;
    // Flag changes show only in HIGHESTMODSEQ; without CONDSTORE they wait for a count change.
    if (now->highestmodseq && (!known.highestmodseq || *now->highestmodseq != *known.highestmodseq))
        return false;
    return true;
}

bool folder_vanished(const index::FolderRecord& known, bool still_listed,
                     const ExportOptions& options) {
    return !still_listed && !known.deleted &&
           folder_selected(known.name, options.include, options.exclude);
}

std::optional<SkipReason> skip_from_listing(const imap::Folder& listed,
                                            const index::FolderRecord* known,
                                            bool gmail_single_instance) {
    if (gmail_single_instance && !archived_once(listed.entry.special_use()))
        return SkipReason::GmailLabel;
    if (!listed.entry.selectable())
        return SkipReason::NotSelectable;
    if (known && folder_unchanged(*known, listed.status))
        return SkipReason::Unchanged;
    return std::nullopt;
}

namespace {

size_t count_below(const std::vector<uint32_t>& sorted, uint32_t limit) {
    return static_cast<size_t>(std::lower_bound(sorted.begin(), sorted.end(), limit) -
                               sorted.begin());
}

// One folder's planning on one connection; reads only.
class Planner {
  public:
    Planner(imap::Client& client, PlanReads& index, const index::FolderRecord& folder,
            std::optional<uint32_t> status_uidnext)
        : m_client(client), m_index(index), m_folder(folder), m_status_uidnext(status_uidnext) {}

    Result<FolderDecision> decide();

  private:
    Result<FolderDecision> refused(core::Error e);
    // Matches the server's messages with archived rows of older epochs (into the plan), and
    // lists every server UID into `server_uids`.
    Result<void> remap_epoch(uint32_t uidvalidity, std::vector<uint32_t>& server_uids,
                             FolderPlan& plan);
    // The flags (and labels) of the archived messages `live` into the plan; returns which of
    // them the server expunged. `server_from`: UIDs the server has from `from` on (complete);
    // `full`: no CHANGEDSINCE.
    Result<std::vector<uint32_t>> read_flags(const std::vector<uint32_t>& live, uint32_t from,
                                             const std::vector<uint32_t>& server_from,
                                             uint64_t server_count, bool full, FolderPlan& plan);
    bool search_plausible(const std::vector<uint32_t>& found, const imap::MailboxState& state,
                          size_t live_below) const;
    void quirk(FolderPlan& plan, const std::string& what) const;
    core::Error folder_error(core::Error e) const {
        return std::move(e).with_folder(m_folder.name);
    }

    imap::Client& m_client;
    PlanReads& m_index;
    const index::FolderRecord& m_folder;
    std::optional<uint32_t> m_status_uidnext;
};

// A server quirk met and worked around: said at -v, counted in the summary when applied.
void Planner::quirk(FolderPlan& plan, const std::string& what) const {
    core::log(core::LogLevel::Verbose, m_folder.name + ": " + what);
    plan.quirks.push_back(what);
}

// A search answer that cannot be right: a UID at or above UIDNEXT, more messages than the
// folder holds, or fewer from `from` on than it must hold (everything below `from` was archived,
// so the server cannot hold more below it than the index does).
bool Planner::search_plausible(const std::vector<uint32_t>& found, const imap::MailboxState& state,
                               size_t live_below) const {
    if (state.uidnext && !found.empty() && found.back() >= *state.uidnext)
        return false;
    if (found.size() > state.exists)
        return false;
    return state.exists - found.size() <= live_below;
}

// A folder the server lists but will not open (Microsoft 365's calendars and contacts) would
// fail every night. The first refusal is a folder error and is remembered; the same refusal
// on later runs is skipped and counted, until the folder opens again.
Result<FolderDecision> Planner::refused(core::Error e) {
    // A NO without [NONEXISTENT] to a folder just listed (Client::examine calls every NO
    // NotFound, as most servers give no code for a missing folder).
    const bool refusal = (e.kind == ErrorKind::Protocol || e.kind == ErrorKind::NotFound) &&
                         e.scope == Scope::Folder && !e.retryable &&
                         e.server_reply.rfind("NO", 0) == 0 &&
                         e.server_reply.find("[NONEXISTENT]") == std::string::npos;
    if (!refusal)
        return folder_error(std::move(e));
    FolderDecision d;
    if (m_folder.examine_refused) {
        d.kind = FolderDecision::Kind::Skip;
        d.skip = SkipReason::RefusedAgain;
        return d;
    }
    e.kind = ErrorKind::Protocol;  // listed a moment ago: refused, not missing
    e.hint =
        "if it is not a mail folder (a calendar, contacts or tasks folder), --exclude it; "
        "later runs skip it while the server refuses it";
    d.kind = FolderDecision::Kind::Error;
    d.error = folder_error(std::move(e));
    d.remember_refusal = true;
    return d;
}

Result<FolderDecision> Planner::decide() {
    FolderDecision decision;
    auto& plan = decision.plan;
    auto examined = m_client.examine(m_folder.name);
    if (!examined)
        return refused(std::move(examined).error());
    plan.clear_refusal = m_folder.examine_refused.has_value();
    plan.state = std::move(*examined);
    auto& state = plan.state;
    if (!state.uidvalidity)
        return folder_error(
            core::make_error(ErrorKind::Protocol, "the server gave no UIDVALIDITY", Scope::Folder));
    if (!state.uidnext && m_status_uidnext) {
        // Courier's EXAMINE has no [UIDNEXT]; STATUS (asked before it) does. Being older, it can
        // only be lower: the next run then looks at a few UIDs more, never fewer.
        state.uidnext = m_status_uidnext;
        quirk(plan, "EXAMINE gave no UIDNEXT; taken from STATUS");
    }
    const uint32_t uidvalidity = *state.uidvalidity;
    const bool epoch_changed = m_folder.uidvalidity && *m_folder.uidvalidity != uidvalidity;
    IMM_ASSIGN(auto live, m_index.live_uids(m_folder.id, uidvalidity));

    // The server's UIDs from `from` on. Below the UIDNEXT of the last complete sync everything
    // was archived; above it, the index says what is (a run may have ended halfway).
    uint32_t from = 1;
    std::vector<uint32_t> server_from;
    bool listed = false;  // server_from is every UID the server has, from UID FETCH
    // Every UID the server has, from UID 1 (UID FETCH): where its search or its count cannot be
    // trusted.
    auto list_from_one = [&]() -> Result<void> {
        auto all = list_uids(m_client);
        if (!all)
            return folder_error(std::move(all).error());
        server_from = std::move(*all);
        from = 1;
        listed = true;
        return {};
    };
    if (epoch_changed) {
        // Every UID is new to us: match what we already have, fetch only the rest. The
        // re-mapped messages count as archived from here on.
        if (state.exists > 0)
            IMM_TRY(remap_epoch(uidvalidity, server_from, plan));
        listed = true;
        for (const auto& r : plan.remapped)
            live.push_back(r.uid);
        std::sort(live.begin(), live.end());
        live.erase(std::unique(live.begin(), live.end()), live.end());
    } else {
        if (m_folder.uidvalidity && m_folder.uidnext)
            from = std::max<uint32_t>(1, *m_folder.uidnext);
        if (state.exists > 0) {
            auto found = m_client.uid_search("UID " + std::to_string(from) + ":*");
            if (!found)
                return folder_error(std::move(found).error());
            server_from = std::move(*found);
            // "N:*" matches the last message even when its UID is below N (RFC 3501 §6.4.8).
            server_from.erase(std::remove_if(server_from.begin(), server_from.end(),
                                             [&](uint32_t u) { return u < from; }),
                              server_from.end());
            if (!search_plausible(server_from, state, count_below(live, from))) {
                // imap4d answers `UID SEARCH UID 1:*` with nothing, and reads `UID a:b` as
                // sequence numbers: ask for the UIDs themselves instead.
                quirk(plan, "UID SEARCH disagreed with EXISTS; listed the UIDs with UID FETCH");
                IMM_TRY(list_from_one());
            }
        }
    }

    for (;;) {
        plan.to_fetch.clear();
        std::set_difference(server_from.begin(), server_from.end(), live.begin(), live.end(),
                            std::back_inserter(plan.to_fetch));
        // Flags and expunges of what was archived before this run (new messages come with
        // theirs); after a UIDVALIDITY change, of the re-mapped messages, whose flags are from
        // the old epoch.
        std::vector<uint32_t> gone;
        if (!live.empty()) {
            IMM_ASSIGN(gone, read_flags(live, from, server_from, state.exists,
                                        epoch_changed || listed, plan));
        }
        // Reconcile before recording: what the server listed plus what it still has below
        // `from` must be the number of messages it says the folder holds.
        const uint64_t accounted =
            server_from.size() + count_below(live, from) - count_below(gone, from);
        plan.expunged = std::move(gone);
        if (accounted == state.exists)
            return decision;
        if (listed) {
            auto e = core::make_error(
                ErrorKind::Protocol,
                "the server lists " + std::to_string(accounted) + " messages but says it holds " +
                    std::to_string(state.exists) + "; what it listed is archived",
                Scope::Folder);
            e.hint = "the folder is checked again by the next run";
            plan.discrepancy = folder_error(std::move(e));
            plan.reconciled = false;
            return decision;
        }
        // Reconciliation: messages are missing below `from` (the index lost rows, or the server
        // renumbered without a new UIDVALIDITY): list the folder from UID 1.
        quirk(plan, "the UIDs found did not add up to EXISTS; listed them with UID FETCH");
        IMM_TRY(list_from_one());
    }
}

// After a UIDVALIDITY change the server's messages get new UIDs. Those whose size and header
// block equal an archived message of an older epoch are that message: its row moves to the
// new UID (the file stays where it is). Costs one header fetch per message, no bodies.
Result<void> Planner::remap_epoch(uint32_t uidvalidity, std::vector<uint32_t>& server_uids,
                                  FolderPlan& plan) {
    IMM_ASSIGN(auto candidates, m_index.other_epoch_messages(m_folder.id, uidvalidity));
    std::multimap<std::pair<uint64_t, std::string>, int64_t> by_key;
    for (const auto& c : candidates)
        if (!c.header_sha256.empty())
            by_key.emplace(std::make_pair(c.size, c.header_sha256), c.id);
    auto r = m_client.fetch(imap::MessageSet{true, "1:*"}, "(UID RFC822.SIZE BODY.PEEK[HEADER])",
                            [&](const imap::FetchData& f) -> Result<void> {
                                if (!f.uid)
                                    return {};
                                server_uids.push_back(*f.uid);
                                const auto* header = f.section("BODY[HEADER]");
                                if (!header || !header->value->is_string() || !f.size)
                                    return {};
                                const auto& text = header->value->text;
                                auto it = by_key.find({*f.size, header_sha256(text)});
                                if (it == by_key.end())
                                    it = by_key.find({*f.size, legacy_header_sha256(text)});
                                if (it == by_key.end())
                                    return {};
                                plan.remapped.push_back(Remap{it->second, *f.uid});
                                by_key.erase(it);
                                return {};
                            });
    if (!r)
        return folder_error(std::move(r).error());
    std::sort(server_uids.begin(), server_uids.end());
    server_uids.erase(std::unique(server_uids.begin(), server_uids.end()), server_uids.end());
    // Archived messages that matched nothing are gone from the server: kept, marked.
    for (const auto& [key, id] : by_key)
        plan.expunged_rows.push_back(id);
    for (const auto& c : candidates)
        if (c.header_sha256.empty())
            plan.expunged_rows.push_back(c.id);
    return {};
}

// With CONDSTORE only what changed since the last sync travels; without it, one FLAGS fetch
// for the archived range (it also lists every UID, which finds expunges for free).
Result<std::vector<uint32_t>> Planner::read_flags(const std::vector<uint32_t>& live, uint32_t from,
                                                  const std::vector<uint32_t>& server_from,
                                                  uint64_t server_count, bool full,
                                                  FolderPlan& plan) {
    const bool condstore =
        !full && m_client.capabilities().has("CONDSTORE") && m_folder.highestmodseq;
    const uint32_t up_to = live.back();
    // Gmail's labels change like flags, and a change moves the message's MODSEQ, so the same
    // CHANGEDSINCE fetch brings them.
    const bool labels = m_client.capabilities().has("X-GM-EXT-1");
    plan.flags.clear();
    plan.labels.clear();
    std::vector<uint32_t> seen;
    std::string items = labels ? "(UID FLAGS X-GM-LABELS)" : "(UID FLAGS)";
    if (condstore)
        items += " (CHANGEDSINCE " + std::to_string(*m_folder.highestmodseq) + ")";
    // kFlagWindow archived messages per FETCH, together covering 1:up_to; only what differs
    // from the index is kept.
    for (size_t first = 0; first < live.size(); first += kFlagWindow) {
        const size_t last = std::min(live.size(), first + kFlagWindow) - 1;
        const uint32_t lo = first == 0 ? 1 : live[first];
        const uint32_t hi = last + 1 == live.size() ? up_to : live[last + 1] - 1;
        IMM_ASSIGN(auto stored,
                   m_index.stored_states(m_folder.id, *plan.state.uidvalidity, lo, hi));
        auto r = m_client.fetch(
            imap::MessageSet{true, std::to_string(lo) + ":" + std::to_string(hi)}, items,
            [&](const imap::FetchData& f) -> Result<void> {
                if (!f.uid || !f.flags)
                    return {};
                seen.push_back(*f.uid);
                auto it = std::lower_bound(
                    stored.begin(), stored.end(), *f.uid,
                    [](const index::StoredState& st, uint32_t uid) { return st.uid < uid; });
                const index::StoredState* known =
                    it != stored.end() && it->uid == *f.uid ? &*it : nullptr;
                std::string flags = stored_flags(*f.flags);
                if (!known || known->flags != flags)
                    plan.flags.push_back(FlagUpdate{*f.uid, std::move(flags)});
                if (f.gm_labels && (!known || known->labels != sorted_once(*f.gm_labels)))
                    plan.labels.push_back(LabelUpdate{*f.uid, *f.gm_labels});
                return {};
            });
        if (!r)
            return folder_error(std::move(r).error());
    }

    std::vector<uint32_t> gone;
    auto collect_gone = [&](const std::vector<uint32_t>& present, uint32_t lo, uint32_t hi) {
        for (uint32_t uid : live)
            if (uid >= lo && uid <= hi && !std::binary_search(present.begin(), present.end(), uid))
                gone.push_back(uid);
    };
    if (!condstore) {
        std::sort(seen.begin(), seen.end());
        collect_gone(seen, 1, up_to);
    } else {
        // From `from` on the server's UIDs are known; below it, a search is needed only when
        // the counts disagree.
        collect_gone(server_from, from, up_to);
        const uint64_t live_below = count_below(live, from);
        const uint64_t server_below =
            server_count > server_from.size() ? server_count - server_from.size() : 0;
        if (from > 1 && live_below != server_below) {
            auto below = m_client.uid_search("UID 1:" + std::to_string(from - 1));
            if (!below)
                return folder_error(std::move(below).error());
            collect_gone(*below, 1, from - 1);
        }
    }
    std::sort(gone.begin(), gone.end());
    gone.erase(std::unique(gone.begin(), gone.end()), gone.end());
    return gone;
}

}  // namespace

Result<FolderDecision> plan_folder(imap::Client& client, PlanReads& index,
                                   const index::FolderRecord& folder,
                                   std::optional<uint32_t> status_uidnext) {
    auto decided = Planner(client, index, folder, status_uidnext).decide();
    if (decided)
        return decided;
    // What concerns this folder alone is the folder's decision; a broken session, a reply
    // that could not be read or an index failure is the caller's.
    auto e = std::move(decided).error();
    const bool folders_own = (e.scope == Scope::Folder || e.scope == Scope::Message) &&
                             e.kind != ErrorKind::Parse && e.kind != ErrorKind::Limit &&
                             client.session().usable() && client.session().in_flight() == 0;
    if (!folders_own)
        return e;
    FolderDecision d;
    d.kind = FolderDecision::Kind::Error;
    d.error = std::move(e).with_folder(folder.name);
    return d;
}

}  // namespace imapmirror::sync
