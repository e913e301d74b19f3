#include "sync/folder_sync.hpp"

#include <algorithm>
#include <map>

#include "imap/command.hpp"
#include "store/sha256.hpp"

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

FolderSync::FolderSync(imap::Client& client, SharedRun& run, const index::FolderRecord& folder)
    : m_client(client), m_run(run), m_folder(folder) {}

core::Error FolderSync::folder_error(core::Error e) const {
    return std::move(e).with_folder(m_folder.name);
}

Result<FolderPlan> FolderSync::plan() {
    FolderPlan plan;
    auto examined = m_client.examine(m_folder.name);
    if (!examined)
        return folder_error(std::move(examined).error());
    plan.state = std::move(*examined);
    const auto& state = plan.state;
    if (!state.uidvalidity)
        return folder_error(
            core::make_error(ErrorKind::Protocol, "the server gave no UIDVALIDITY", Scope::Folder));
    const uint32_t uidvalidity = *state.uidvalidity;
    const bool epoch_changed = m_folder.uidvalidity && *m_folder.uidvalidity != uidvalidity;

    // The server's UIDs from `from` on. Below the UIDNEXT of the last complete sync everything
    // was archived; above it, the index says what is (a run may have ended halfway).
    uint32_t from = 1;
    std::vector<uint32_t> server_from;
    if (epoch_changed) {
        // Every UID is new to us: match what we already have, fetch only the rest.
        if (state.exists > 0)
            IMM_TRY(remap_epoch(uidvalidity, server_from));
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
        }
    }
    IMM_ASSIGN(auto live, m_run.with_index([&](index::ArchiveIndex& ix) {
        return ix.live_uids(m_folder.id, uidvalidity);
    }));
    std::set_difference(server_from.begin(), server_from.end(), live.begin(), live.end(),
                        std::back_inserter(plan.to_fetch));
    // Flags and expunges of what was archived before this run (new messages come with theirs);
    // after a UIDVALIDITY change, of the re-mapped messages, whose flags are from the old epoch.
    if (!live.empty())
        IMM_TRY(refresh_flags(uidvalidity, live, from, server_from, state.exists, epoch_changed));
    return plan;
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
                                store::Sha256 h;
                                h.update(header->value->text);
                                auto it = by_key.find({*f.size, h.hex()});
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
Result<void> FolderSync::refresh_flags(uint32_t uidvalidity, const std::vector<uint32_t>& live,
                                       uint32_t from, const std::vector<uint32_t>& server_from,
                                       uint64_t server_count, bool full) {
    const bool condstore =
        !full && m_client.capabilities().has("CONDSTORE") && m_folder.highestmodseq;
    const uint32_t up_to = live.back();
    std::vector<std::pair<uint32_t, std::string>> flags;
    std::vector<uint32_t> seen;
    std::string items = "(UID FLAGS)";
    if (condstore)
        items += " (CHANGEDSINCE " + std::to_string(*m_folder.highestmodseq) + ")";
    auto r = m_client.fetch(imap::MessageSet{true, "1:" + std::to_string(up_to)}, items,
                            [&](const imap::FetchData& f) -> Result<void> {
                                if (!f.uid || !f.flags)
                                    return {};
                                flags.emplace_back(*f.uid, stored_flags(*f.flags));
                                seen.push_back(*f.uid);
                                return {};
                            });
    if (!r)
        return folder_error(std::move(r).error());
    IMM_ASSIGN(uint64_t changed, m_run.with_index([&](index::ArchiveIndex& ix) {
        return ix.update_flags(m_folder.id, uidvalidity, flags);
    }));

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
    IMM_TRY(m_run.with_index(
        [&](index::ArchiveIndex& ix) { return ix.mark_expunged(m_folder.id, uidvalidity, gone); }));
    m_run.count([&](ExportSummary& s) {
        s.flags_changed += changed;
        s.expunged += gone.size();
    });
    return {};
}

Result<void> record_synced(SharedRun& run, const index::FolderRecord& folder,
                           const FolderPlan& plan) {
    index::FolderRecord sync = folder;
    sync.uidvalidity = plan.state.uidvalidity;
    sync.uidnext = plan.state.uidnext;
    sync.highestmodseq = plan.state.highestmodseq;
    sync.server_messages = plan.state.exists;
    return run.with_index(
        [&](index::ArchiveIndex& ix) { return ix.record_folder_sync(folder.id, sync); });
}

}  // namespace imapmirror::sync
