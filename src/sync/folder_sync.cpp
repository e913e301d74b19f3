#include "sync/folder_sync.hpp"

#include <algorithm>
#include <map>

#include "core/log.hpp"
#include "imap/command.hpp"
#include "sync/header_hash.hpp"

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

FolderSync::FolderSync(imap::Client& client, SharedRun& run, const index::FolderRecord& folder,
                       std::optional<uint32_t> status_uidnext)
    : m_client(client), m_run(run), m_folder(folder), m_status_uidnext(status_uidnext) {}

core::Error FolderSync::folder_error(core::Error e) const {
    return std::move(e).with_folder(m_folder.name);
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

namespace {

size_t count_below(const std::vector<uint32_t>& sorted, uint32_t limit) {
    return static_cast<size_t>(std::lower_bound(sorted.begin(), sorted.end(), limit) -
                               sorted.begin());
}

}  // namespace

void FolderSync::quirk(const std::string& what) const {
    core::log(core::LogLevel::Verbose, m_folder.name + ": " + what);
    m_run.count([&](ExportSummary& s) { s.quirks.insert(what); });
}

// A search answer that cannot be right: a UID at or above UIDNEXT, more messages than the
// folder holds, or fewer from `from` on than it must hold (everything below `from` was archived,
// so the server cannot hold more below it than the index does).
bool FolderSync::search_plausible(const std::vector<uint32_t>& found,
                                  const imap::MailboxState& state, size_t live_below) const {
    if (state.uidnext && !found.empty() && found.back() >= *state.uidnext)
        return false;
    if (found.size() > state.exists)
        return false;
    return state.exists - found.size() <= live_below;
}

// A folder the server lists but will not open (Microsoft 365's calendars and contacts) would
// fail every night. The first refusal is a folder error and is remembered; the same refusal
// on later runs is skipped and counted, until the folder opens again.
Result<FolderPlan> FolderSync::refused(core::Error e, FolderPlan& plan) {
    // A NO without [NONEXISTENT] to a folder just listed (Client::examine calls every NO
    // NotFound, as most servers give no code for a missing folder).
    const bool refusal = (e.kind == ErrorKind::Protocol || e.kind == ErrorKind::NotFound) &&
                         e.scope == Scope::Folder && !e.retryable &&
                         e.server_reply.rfind("NO", 0) == 0 &&
                         e.server_reply.find("[NONEXISTENT]") == std::string::npos;
    if (!refusal)
        return folder_error(std::move(e));
    if (m_folder.examine_refused) {
        core::log(core::LogLevel::Verbose, m_folder.name + ": the server refuses to open it, " +
                                               "as on earlier runs; skipped");
        m_run.count([](ExportSummary& s) { ++s.folders_refused; });
        plan.refused_again = true;
        plan.reconciled = false;
        return std::move(plan);
    }
    IMM_TRY(m_run.with_index([&](index::ArchiveIndex& ix) {
        return ix.set_examine_refused(m_folder.id, e.server_reply);
    }));
    e.kind = ErrorKind::Protocol;  // listed a moment ago: refused, not missing
    e.hint =
        "if it is not a mail folder (a calendar, contacts or tasks folder), --exclude it; "
        "later runs skip it while the server refuses it";
    return folder_error(std::move(e));
}

Result<FolderPlan> FolderSync::plan() {
    FolderPlan plan;
    auto examined = m_client.examine(m_folder.name);
    if (!examined)
        return refused(std::move(examined).error(), plan);
    if (m_folder.examine_refused) {
        IMM_TRY(m_run.with_index(
            [&](index::ArchiveIndex& ix) { return ix.set_examine_refused(m_folder.id, {}); }));
    }
    plan.state = std::move(*examined);
    auto& state = plan.state;
    if (!state.uidvalidity)
        return folder_error(
            core::make_error(ErrorKind::Protocol, "the server gave no UIDVALIDITY", Scope::Folder));
    if (!state.uidnext && m_status_uidnext) {
        // Courier's EXAMINE has no [UIDNEXT]; STATUS (asked before it) does. Being older, it can
        // only be lower: the next run then looks at a few UIDs more, never fewer.
        state.uidnext = m_status_uidnext;
        quirk("EXAMINE gave no UIDNEXT; taken from STATUS");
    }
    const uint32_t uidvalidity = *state.uidvalidity;
    const bool epoch_changed = m_folder.uidvalidity && *m_folder.uidvalidity != uidvalidity;
    IMM_ASSIGN(auto live, m_run.with_index([&](index::ArchiveIndex& ix) {
        return ix.live_uids(m_folder.id, uidvalidity);
    }));

    // The server's UIDs from `from` on. Below the UIDNEXT of the last complete sync everything
    // was archived; above it, the index says what is (a run may have ended halfway).
    uint32_t from = 1;
    std::vector<uint32_t> server_from;
    bool listed = false;  // server_from is every UID the server has, from UID FETCH
    if (epoch_changed) {
        // Every UID is new to us: match what we already have, fetch only the rest.
        if (state.exists > 0)
            IMM_TRY(remap_epoch(uidvalidity, server_from));
        listed = true;
        IMM_ASSIGN(live, m_run.with_index([&](index::ArchiveIndex& ix) {
            return ix.live_uids(m_folder.id, uidvalidity);
        }));
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
                quirk("UID SEARCH disagreed with EXISTS; listed the UIDs with UID FETCH");
                IMM_ASSIGN(server_from, list_uids_of_folder());
                from = 1;
                listed = true;
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
            IMM_ASSIGN(gone, refresh_flags(uidvalidity, live, from, server_from, state.exists,
                                           epoch_changed || listed));
        }
        // Reconcile before recording: what the server listed plus what it still has below
        // `from` must be the number of messages it says the folder holds.
        const uint64_t accounted =
            server_from.size() + count_below(live, from) - count_below(gone, from);
        if (accounted == state.exists) {
            IMM_TRY(apply_expunges(uidvalidity, gone));
            return plan;
        }
        if (listed) {
            IMM_TRY(apply_expunges(uidvalidity, gone));
            auto e = core::make_error(
                ErrorKind::Protocol,
                "the server lists " + std::to_string(accounted) + " messages but says it holds " +
                    std::to_string(state.exists) + "; what it listed is archived",
                Scope::Folder);
            e.hint = "the folder is checked again by the next run";
            m_run.add_error(folder_error(std::move(e)));
            plan.reconciled = false;
            return plan;
        }
        quirk("the UIDs found did not add up to EXISTS; listed them with UID FETCH");
        IMM_ASSIGN(server_from, list_uids_of_folder());
        from = 1;
        listed = true;
    }
}

Result<std::vector<uint32_t>> FolderSync::list_uids_of_folder() {
    auto uids = list_uids(m_client);
    if (!uids)
        return folder_error(std::move(uids).error());
    return uids;
}

Result<void> FolderSync::apply_expunges(uint32_t uidvalidity, const std::vector<uint32_t>& gone) {
    IMM_TRY(m_run.with_index(
        [&](index::ArchiveIndex& ix) { return ix.mark_expunged(m_folder.id, uidvalidity, gone); }));
    m_run.count([&](ExportSummary& s) { s.expunged += gone.size(); });
    return {};
}

// After a UIDVALIDITY change the server's messages get new UIDs. Those whose size and header
// block equal an archived message of an older epoch are that message: its row moves to the
// new UID (the file stays where it is). Costs one header fetch per message, no bodies.
Result<void> FolderSync::remap_epoch(uint32_t uidvalidity, std::vector<uint32_t>& server_uids) {
    IMM_ASSIGN(auto candidates, m_run.with_index([&](index::ArchiveIndex& ix) {
        return ix.other_epoch_messages(m_folder.id, uidvalidity);
    }));
    std::multimap<std::pair<uint64_t, std::string>, int64_t> by_key;
    for (const auto& c : candidates)
        if (!c.header_sha256.empty())
            by_key.emplace(std::make_pair(c.size, c.header_sha256), c.id);
    std::vector<std::pair<int64_t, uint32_t>> matched;
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
                                matched.emplace_back(it->second, *f.uid);
                                by_key.erase(it);
                                return {};
                            });
    if (!r)
        return folder_error(std::move(r).error());
    std::sort(server_uids.begin(), server_uids.end());
    server_uids.erase(std::unique(server_uids.begin(), server_uids.end()), server_uids.end());
    // Archived messages that matched nothing are gone from the server: keep them, marked.
    std::vector<int64_t> gone;
    for (const auto& [key, id] : by_key)
        gone.push_back(id);
    for (const auto& c : candidates)
        if (c.header_sha256.empty())
            gone.push_back(c.id);
    IMM_TRY(m_run.with_index([&](index::ArchiveIndex& ix) -> Result<void> {
        IMM_TRY(ix.remap(uidvalidity, matched));
        return ix.mark_rows_expunged(gone);
    }));
    m_run.count([&](ExportSummary& s) { s.remapped += matched.size(); });
    return {};
}

// With CONDSTORE only what changed since the last sync travels; without it, one FLAGS fetch
// for the archived range (it also lists every UID, which finds expunges for free).
Result<std::vector<uint32_t>> FolderSync::refresh_flags(uint32_t uidvalidity,
                                                        const std::vector<uint32_t>& live,
                                                        uint32_t from,
                                                        const std::vector<uint32_t>& server_from,
                                                        uint64_t server_count, bool full) {
    const bool condstore =
        !full && m_client.capabilities().has("CONDSTORE") && m_folder.highestmodseq;
    const uint32_t up_to = live.back();
    // Gmail's labels change like flags, and a change moves the message's MODSEQ, so the same
    // CHANGEDSINCE fetch brings them.
    const bool labels = m_client.capabilities().has("X-GM-EXT-1");
    std::vector<std::pair<uint32_t, std::string>> flags;
    std::vector<std::pair<uint32_t, std::vector<std::string>>> label_sets;
    std::vector<uint32_t> seen;
    std::string items = labels ? "(UID FLAGS X-GM-LABELS)" : "(UID FLAGS)";
    if (condstore)
        items += " (CHANGEDSINCE " + std::to_string(*m_folder.highestmodseq) + ")";
    auto r = m_client.fetch(imap::MessageSet{true, "1:" + std::to_string(up_to)}, items,
                            [&](const imap::FetchData& f) -> Result<void> {
                                if (!f.uid || !f.flags)
                                    return {};
                                flags.emplace_back(*f.uid, stored_flags(*f.flags));
                                if (f.gm_labels)
                                    label_sets.emplace_back(*f.uid, *f.gm_labels);
                                seen.push_back(*f.uid);
                                return {};
                            });
    if (!r)
        return folder_error(std::move(r).error());
    IMM_ASSIGN(uint64_t changed, m_run.with_index([&](index::ArchiveIndex& ix) {
        return ix.update_flags(m_folder.id, uidvalidity, flags);
    }));
    IMM_ASSIGN(uint64_t relabelled, m_run.with_index([&](index::ArchiveIndex& ix) {
        return ix.update_labels(m_folder.id, uidvalidity, label_sets);
    }));
    m_run.count([&](ExportSummary& s) { s.labels_changed += relabelled; });

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
        const auto live_below =
            static_cast<uint64_t>(std::lower_bound(live.begin(), live.end(), from) - live.begin());
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
    m_run.count([&](ExportSummary& s) { s.flags_changed += changed; });
    return gone;
}

Result<void> record_synced(SharedRun& run, const index::FolderRecord& folder,
                           const FolderPlan& plan) {
    if (!plan.reconciled)
        return {};
    index::FolderRecord sync = folder;
    sync.uidvalidity = plan.state.uidvalidity;
    sync.uidnext = plan.state.uidnext;
    sync.highestmodseq = plan.state.highestmodseq;
    sync.server_messages = plan.state.exists;
    return run.with_index(
        [&](index::ArchiveIndex& ix) { return ix.record_folder_sync(folder.id, sync); });
}

}  // namespace imapmirror::sync
