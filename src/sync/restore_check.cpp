#include "sync/restore_check.hpp"

#include <map>

#include "imap/literal_sink.hpp"
#include "store/sha256.hpp"

namespace imapmirror::sync {

using core::Result;

namespace {

// Hashes the body it is given; the hash is taken by the message callback.
class HashingSink final : public imap::LiteralSink {
  public:
    Result<void> write(std::string_view chunk) override {
        m_hash.update(chunk);
        return {};
    }
    Result<void> finish() override {
        m_done = m_hash.hex();
        return {};
    }
    std::string take() { return std::move(m_done); }

  private:
    store::Sha256 m_hash;
    std::string m_done;
};

// UID -> SHA-256 of every message in the examined folder.
Result<std::map<uint32_t, std::string>> target_hashes(imap::Client& client) {
    std::map<uint32_t, std::string> out;
    HashingSink sink;
    imap::FetchRequest request;
    request.items = "(UID BODY.PEEK[])";
    request.body_sink = [&sink]() -> imap::LiteralSink* { return &sink; };
    request.on_message = [&](const imap::FetchData& fd) -> Result<void> {
        const auto* body = fd.section("BODY[]");
        if (!fd.uid || !body)
            return {};
        if (body->value->is_string()) {
            store::Sha256 h;
            h.update(body->value->text);
            out[*fd.uid] = h.hex();
        } else {
            out[*fd.uid] = sink.take();
        }
        return {};
    };
    IMM_ASSIGN(auto refused, client.fetch_streamed({imap::MessageSet{true, "1:*"}}, request));
    if (!refused.empty())
        return imap::completion_error(refused.front().answer, "UID FETCH");
    return out;
}

RestoreCheckFolder check_folder(imap::Client& client, const FolderRestore& planned,
                                const std::vector<const index::RestorableMessage*>& archived,
                                const std::map<int64_t, uint32_t>& recorded_uid) {
    RestoreCheckFolder out;
    out.archive_name = planned.archive_name;
    out.target_name = planned.target_name;
    std::map<uint32_t, std::string> on_target;
    if (!planned.create) {
        auto state = client.examine(planned.target_name);
        if (!state) {
            out.error = std::move(state).error();
            return out;
        }
        if (state->exists > 0) {
            auto hashes = target_hashes(client);
            if (!hashes) {
                out.error = std::move(hashes).error();
                return out;
            }
            on_target = std::move(*hashes);
        }
    }
    out.checked = on_target.size();
    std::multimap<std::string, uint32_t> by_hash;
    for (const auto& [uid, sha] : on_target)
        by_hash.emplace(sha, uid);
    for (const auto* m : archived) {
        auto uid = recorded_uid.find(m->id);
        if (uid != recorded_uid.end()) {
            auto there = on_target.find(uid->second);
            if (there != on_target.end() && there->second != m->sha256)
                out.different.push_back("UID " + std::to_string(uid->second) + " (" + m->path +
                                        ")");
        }
        auto copy = by_hash.find(m->sha256);
        if (copy == by_hash.end()) {
            out.missing.push_back(m->path);
            continue;
        }
        by_hash.erase(copy);
    }
    for (const auto& [sha, uid] : by_hash)
        out.extra.push_back("UID " + std::to_string(uid));
    return out;
}

}  // namespace

bool RestoreCheck::clean() const {
    for (const auto& f : folders)
        if (f.error || !f.missing.empty() || !f.extra.empty() || !f.different.empty())
            return false;
    return true;
}

Result<RestoreCheck> check_restore(const RestoreOptions& options, const ConnectFn& connect) {
    IMM_ASSIGN(auto index, index::ArchiveIndex::open_read_only(options.root + "/index.sqlite"));
    IMM_ASSIGN(auto planned, plan_against_target(index, options, connect));
    const ArchiveView& archive = planned.archive;
    imap::Client& client = *planned.client;
    std::map<int64_t, std::vector<const index::RestorableMessage*>> by_folder;
    for (const auto& m : archive.messages)
        by_folder[m.folder_id].push_back(&m);
    RestoreCheck check;
    for (const auto& folder : planned.plan.folders) {
        if (folder.error) {
            RestoreCheckFolder f;
            f.archive_name = folder.archive_name;
            f.error = folder.error;
            check.folders.push_back(std::move(f));
            continue;
        }
        std::map<int64_t, uint32_t> recorded_uid;
        for (const auto& r : archive.records)
            if (r.target_folder == folder.target_raw && r.uid &&
                r.state == index::RestoreState::Restored)
                recorded_uid[r.message_id] = *r.uid;
        check.folders.push_back(
            check_folder(client, folder, by_folder[folder.archive_folder_id], recorded_uid));
        if (!client.session().usable())
            return *client.session().broken();
    }
    client.logout();
    return check;
}

}  // namespace imapmirror::sync
