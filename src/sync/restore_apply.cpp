#include "sync/restore_apply.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

#include "core/ascii.hpp"
#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "imap/append.hpp"
#include "imap/command.hpp"
#include "imap/internal_date.hpp"
#include "store/archive_root.hpp"
#include "sync/archive_lock.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;

namespace {

// An archived .eml, read in chunks as APPEND sends it. Opened beneath DIR without following
// a link, like every other read of the mirror tree.
class EmlSource final : public imap::LiteralSource {
  public:
    static Result<EmlSource> open(const store::ArchiveRoot& root, const std::string& path) {
        const size_t slash = path.rfind('/');
        const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
        const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
        store::UniqueFd dir_fd;
        if (!dir.empty()) {
            IMM_ASSIGN(dir_fd, root.open_directory(dir, false));
        }
        const int at = dir.empty() ? root.fd() : dir_fd.get();
        store::UniqueFd fd(::openat(at, base.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (fd.get() < 0)
            return io_error("cannot open " + path);
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0)
            return io_error("cannot read " + path);
        return EmlSource(std::move(fd), static_cast<uint64_t>(st.st_size), path);
    }
    uint64_t size() const override { return m_size; }
    Result<size_t> read(char* buf, size_t cap) override {
        for (;;) {
            const ssize_t n = ::read(m_fd.get(), buf, cap);
            if (n >= 0)
                return static_cast<size_t>(n);
            if (errno != EINTR)
                return io_error("cannot read " + m_path);
        }
    }
    Result<void> rewind() {
        if (::lseek(m_fd.get(), 0, SEEK_SET) != 0)
            return io_error("cannot read " + m_path);
        return {};
    }
    // How the lines end: a server that stores CRLF counts one byte more for each bare LF, and
    // one that stores LF (GNU imap4d's Maildir, in SEARCH LARGER/SMALLER though not in
    // RFC822.SIZE) one byte less for each CRLF.
    struct LineEnds {
        uint64_t bare_lf = 0, crlf = 0;
    };
    Result<LineEnds> line_ends() {
        LineEnds n;
        char prev = 0;
        std::string buf(64 * 1024, '\0');
        for (;;) {
            IMM_ASSIGN(size_t got, read(buf.data(), buf.size()));
            if (got == 0)
                break;
            for (size_t i = 0; i < got; ++i) {
                if (buf[i] == '\n')
                    ++(prev == '\r' ? n.crlf : n.bare_lf);
                prev = buf[i];
            }
        }
        if (::lseek(m_fd.get(), 0, SEEK_SET) != 0)
            return io_error("cannot read " + m_path);
        return n;
    }

  private:
    EmlSource(store::UniqueFd fd, uint64_t size, std::string path)
        : m_fd(std::move(fd)), m_size(size), m_path(std::move(path)) {}
    static core::Error io_error(std::string what) {
        auto e = core::make_error(ErrorKind::Io, what + ": " + std::strerror(errno),
                                  core::Scope::Message);
        e.hint = "run `imapmirror verify DIR` to check the archive";
        return e;
    }
    store::UniqueFd m_fd;
    uint64_t m_size = 0;
    std::string m_path;
};

// Flags as the index keeps them ("\\Seen $Work"), split into the system flags and the
// keywords (both space-separated).
std::pair<std::string, std::string> split_keywords(std::string_view flags) {
    std::string system, keywords;
    size_t pos = 0;
    while (pos < flags.size()) {
        size_t end = flags.find(' ', pos);
        if (end == std::string_view::npos)
            end = flags.size();
        const std::string_view flag = flags.substr(pos, end - pos);
        if (!flag.empty()) {
            std::string& to = flag.front() == '\\' ? system : keywords;
            to += (to.empty() ? "" : " ") + std::string(flag);
        }
        pos = end + 1;
    }
    return {system, keywords};
}

// A MULTIAPPEND's bounds: one command carries at most this many messages and bytes (a larger
// message goes alone).
constexpr size_t kMultiAppendMessages = 100;
constexpr uint64_t kMultiAppendBytes = 16u << 20;

std::string reply_of(const imap::Completion& c) {
    return c.status +
           (c.code ? " [" + c.code->name + (c.code->args.empty() ? "" : " " + c.code->args) + "]"
                   : "") +
           " " + c.text;
}

// What the connections of one run share: the index (one SQLite connection, so one writer at a
// time), the progress, the next folder to take, and whether the run has stopped.
struct RestoreRun {
    RestoreRun(index::ArchiveIndex& index, const RestoreProgressFn& progress, uint64_t total)
        : index(index), progress(progress) {
        state.messages_total = total;
    }
    index::ArchiveIndex& index;
    std::mutex index_mutex;
    const RestoreProgressFn& progress;
    std::mutex progress_mutex;
    RestoreProgress state;
    std::atomic<size_t> next_folder{0};
    std::atomic<bool> stopped{false};  // a connection's `fatal`: the others end too
    std::vector<char> uncreated;       // by plan folder: its CREATE failed (an error says so)
};

// A folder with anything to send or store.
bool has_work(const FolderRestore& f) {
    return !f.to_check.empty() || !f.to_append.empty() || !f.to_label.empty();
}

// One connection's share of the run: the folders it takes, one at a time.
class Applier {
  public:
    Applier(const RestoreOptions& options, imap::Client& client, const store::ArchiveRoot& root,
            RestoreRun& shared, RestoreSummary& summary)
        : m_options(options),
          m_client(client),
          m_writer(client),
          m_root(root),
          m_shared(shared),
          m_summary(summary) {}

    // Creates each folder of `plan` that has work and is not on the target yet, one after
    // another on this connection, before any folder is restored: two connections creating
    // below a parent that does not exist yet race on some servers (GNU imap4d answers "Cannot
    // create mailbox" to one of them). A folder not created is marked in the run, its error
    // recorded. False when the run must stop.
    bool create_folders(const RestorePlan& plan) {
        for (size_t i = 0; i < plan.folders.size(); ++i) {
            const auto& f = plan.folders[i];
            if (!f.create || f.error || !has_work(f) || create(f))
                continue;
            if (m_summary.fatal)
                return false;
            m_shared.uncreated[i] = 1;
        }
        return true;
    }

    // Restores plan folder `i` (created by create_folders). False when the run must stop
    // (summary.fatal set, or another connection's).
    bool folder(const RestorePlan& plan, size_t i) {
        const FolderRestore& f = plan.folders[i];
        ++m_summary.folders;
        m_summary.already += f.already;
        if (f.error) {
            m_summary.errors.push_back(*f.error);
            return true;
        }
        if (!has_work(f) || m_shared.uncreated[i])
            return true;
        // Gmail's labels are stored in the folder, which STORE needs selected read-write.
        const bool labels = !f.labels.empty();
        std::optional<imap::MailboxState> opened;
        if (labels || !f.to_check.empty()) {
            auto state = labels ? m_writer.select(f.target_raw) : m_client.examine(f.target_name);
            if (!state)
                return folder_error(f, std::move(state).error(), "cannot open");
            opened = std::move(*state);
        }
        for (const auto& m : f.to_check) {
            auto found = look_for(m, *opened);
            if (!found)  // a folder the server will not search costs that folder
                return folder_error(f, std::move(found).error(), "cannot search");
            if (*found) {
                ++m_summary.found_on_target;
                if (!record(f, m, index::RestoreState::Restored, opened->uidvalidity, **found, ""))
                    return false;
                done(f, m.size);
                if (!store_labels(f, m.id, **found))
                    return false;
                continue;
            }
            if (!append(f, m))
                return false;
        }
        if (!append_all(f) || !check_unconfirmed(f))
            return false;
        for (const auto& r : f.to_label)
            if (!store_labels(f, r.message_id, r.uid))
                return false;
        return true;
    }

  private:
    // The messages sent without a look: one MULTIAPPEND per batch where the server has it.
    bool append_all(const FolderRestore& f) {
        if (!m_client.capabilities().has("MULTIAPPEND")) {
            for (const auto& m : f.to_append)
                if (!append(f, m))
                    return false;
            return true;
        }
        std::vector<const index::RestorableMessage*> batch;
        uint64_t bytes = 0;
        for (const auto& m : f.to_append) {
            if (!batch.empty() &&
                (batch.size() >= kMultiAppendMessages || bytes + m.size > kMultiAppendBytes)) {
                if (!send_batch(f, batch))
                    return false;
                batch.clear();
                bytes = 0;
            }
            batch.push_back(&m);
            bytes += m.size;
        }
        return batch.empty() || send_batch(f, batch);
    }

    bool create(const FolderRestore& f) {
        auto c = m_writer.create(f.target_raw);
        if (!c)
            return stop(std::move(c).error());
        if (c->ok()) {
            ++m_summary.folders_created;
            return true;
        }
        if (imap::already_exists(*c))
            return true;
        auto e = core::make_error(ErrorKind::Protocol,
                                  "cannot create folder '" + f.target_name + "' on the target",
                                  core::Scope::Folder);
        e.folder = f.archive_name;
        e.server_reply = reply_of(*c);
        e.hint = "create it by hand, or restore it elsewhere with --folder-map or --into";
        m_summary.errors.push_back(std::move(e));
        return false;
    }

    // A target without UIDPLUS names no UID for what it took, and GNU imap4d (Maildir) answers
    // OK to an APPEND whose flags and date it dropped. So each message appended so into this
    // folder is looked for (Message-ID and size) and its UID recorded; system flags it lacks are
    // set again with STORE, and an arrival date not kept is counted (IMAP cannot set it
    // afterwards). False when the run must stop.
    bool check_unconfirmed(const FolderRestore& f) {
        const auto appended = std::exchange(m_unconfirmed, {});
        if (appended.empty())
            return true;
        auto state = m_writer.select(f.target_raw);
        if (!state)
            return folder_error(f, std::move(state).error(), "cannot check");
        std::set<uint32_t> taken;  // two archived copies of one message are two target UIDs
        for (const auto* m : appended) {
            auto found = look_for(*m, *state, taken);
            if (!found)
                return folder_error(f, std::move(found).error(), "cannot search");
            if (!*found)  // not there under its Message-ID and size: nothing to compare
                continue;
            const uint32_t uid = **found;
            taken.insert(uid);
            // Only what is compared is kept: a FetchData's sections point into its response.
            std::vector<std::string> kept_flags;
            std::string kept_date;
            auto fetched = m_client.fetch({true, std::to_string(uid)}, "(UID FLAGS INTERNALDATE)",
                                          [&](const imap::FetchData& d) -> Result<void> {
                                              if (d.uid == uid) {
                                                  kept_flags = d.flags.value_or(kept_flags);
                                                  kept_date = d.internal_date.value_or("");
                                              }
                                              return {};
                                          });
            if (!fetched)
                return folder_error(f, std::move(fetched).error(), "cannot read back");
            if (!record(f, *m, index::RestoreState::Restored, state->uidvalidity, uid, ""))
                return false;
            if (!set_dropped_flags(f, *m, uid, kept_flags))
                return false;
            const auto date = imap::parse_internal_date(kept_date);
            if (date && !m->internal_date.empty() && imap::iso8601_utc(*date) != m->internal_date)
                ++m_summary.dates_not_kept;
        }
        return true;
    }

    // STOREs the system flags of `m` that `kept` (as the target has them) lacks. False when the
    // run must stop.
    bool set_dropped_flags(const FolderRestore& f, const index::RestorableMessage& m, uint32_t uid,
                           const std::vector<std::string>& kept) {
        std::string missing;
        const std::string system = split_keywords(m.flags).first;
        for (size_t pos = 0; pos < system.size();) {
            const size_t end = std::min(system.find(' ', pos), system.size());
            const std::string flag = system.substr(pos, end - pos);
            pos = end + 1;
            const bool has = std::any_of(kept.begin(), kept.end(), [&](const std::string& k) {
                return core::ascii_iequals(k, flag);
            });
            if (!has && flag != "\\Recent")
                missing += (missing.empty() ? "" : " ") + flag;
        }
        if (missing.empty())
            return true;
        auto stored = m_writer.add_flags(uid, "(" + missing + ")");
        if (!stored)
            return stop(std::move(stored).error());
        if (stored->ok()) {
            ++m_summary.flags_set_again;
            return true;
        }
        auto e = message_error(
            f, m, ErrorKind::Protocol,
            "the target dropped its flags (" + missing + ") on APPEND and refused them in STORE");
        e.server_reply = reply_of(*stored);
        m_summary.errors.push_back(std::move(e));
        return true;
    }

    bool folder_error(const FolderRestore& f, core::Error e, const std::string& what) {
        if (e.scope == core::Scope::Session || e.scope == core::Scope::Run)
            return stop(std::move(e));
        e.message = what + " folder '" + f.target_name + "' on the target: " + e.message;
        e.folder = f.archive_name;
        m_summary.errors.push_back(std::move(e));
        return true;
    }

    // The UID of a message already in the target folder with this Message-ID and size, or
    // nullopt; the first of them that is not in `taken`.
    Result<std::optional<uint32_t>> look_for(const index::RestorableMessage& m,
                                             const imap::MailboxState& state,
                                             const std::set<uint32_t>& taken = {}) {
        if (m.message_id.empty() || state.exists == 0)
            return std::optional<uint32_t>();
        auto source = EmlSource::open(m_root, m.path);
        EmlSource::LineEnds ends;
        if (source) {
            IMM_ASSIGN(ends, source->line_ends());
        }
        IMM_ASSIGN(std::string mid, imap::quote_astring(m.message_id));
        const uint64_t least = m.size > ends.crlf ? m.size - ends.crlf : 0;
        const std::string criteria = "HEADER Message-ID " + mid + " LARGER " +
                                     std::to_string(least > 0 ? least - 1 : 0) + " SMALLER " +
                                     std::to_string(m.size + ends.bare_lf + 1);
        IMM_ASSIGN(auto uids, m_client.uid_search(criteria));
        for (uint32_t uid : uids)
            if (!taken.count(uid))
                return std::optional<uint32_t>(uid);
        return std::optional<uint32_t>();
    }

    // The checks before a message is sent. No source: the message cost itself here (recorded
    // and counted), or, with `stop`, the run ends.
    struct Prepared {
        std::optional<EmlSource> source;
        bool stop = false;
    };
    Prepared prepare(const FolderRestore& f, const index::RestorableMessage& m) {
        if (core::interrupted())
            return {std::nullopt, !stop(core::interrupted_error())};
        if (m_shared.stopped)  // another connection's fatal error ended the run
            return {std::nullopt, true};
        // RFC 7889: the server would refuse it only after the whole literal; say so unsent.
        if (f.append_limit && m.size > *f.append_limit) {
            auto e = message_error(f, m, ErrorKind::Limit,
                                   "the message (" + std::to_string(m.size) +
                                       " bytes) is larger than folder '" + f.target_name +
                                       "' on the target takes (APPENDLIMIT " +
                                       std::to_string(*f.append_limit) + ")");
            e.hint = "the target cannot take it; keep it in the archive";
            return {std::nullopt, !refused(f, m, std::move(e))};
        }
        auto source = EmlSource::open(m_root, m.path);
        if (!source) {
            auto e = std::move(source).error();
            e.folder = f.archive_name;
            m_summary.errors.push_back(std::move(e));
            ++m_summary.refused;
            return {};
        }
        if (source->size() != m.size) {
            auto e = message_error(f, m, ErrorKind::Corrupt,
                                   m.path + " has " + std::to_string(source->size()) +
                                       " bytes, the index says " + std::to_string(m.size));
            e.hint = "run `imapmirror verify DIR --repair`";
            m_summary.errors.push_back(std::move(e));
            ++m_summary.refused;
            return {};
        }
        return {std::move(*source), false};
    }

    bool append(const FolderRestore& f, const index::RestorableMessage& m) {
        auto ready = prepare(f, m);
        if (!ready.source)
            return !ready.stop;
        return send_one(f, m, *ready.source);
    }

    bool send_one(const FolderRestore& f, const index::RestorableMessage& m, EmlSource& source) {
        if (!record(f, m, index::RestoreState::Appending, std::nullopt, std::nullopt, ""))
            return false;
        const auto date = imap::append_date(m.internal_date);
        auto sent = m_writer.append(f.target_raw, imap::append_flag_list(m.flags),
                                    date ? *date : "", source);
        if (!sent)
            return stop(std::move(sent).error());
        if (sent->answer.ok())
            return appended(f, m, sent->appenduid);
        if (over_quota(f, {&m}, sent->answer))
            return false;
        // GNU imap4d answers BAD "Unrecognized flag" to any keyword: the message goes again
        // with its system flags alone, and the keywords lost are a message error.
        const auto [system, keywords] = split_keywords(m.flags);
        if (!keywords.empty()) {
            if (auto rewound = source.rewind(); !rewound) {
                auto e = std::move(rewound).error();
                e.folder = f.archive_name;
                return refused(f, m, std::move(e));
            }
            auto again = m_writer.append(f.target_raw, imap::append_flag_list(system),
                                         date ? *date : "", source);
            if (!again)
                return stop(std::move(again).error());
            if (again->answer.ok()) {
                auto e = message_error(
                    f, m, ErrorKind::Protocol,
                    "restored without its keywords (" + keywords + "): the target refused them");
                e.server_reply = reply_of(sent->answer);
                e.hint = "this server cannot keep keywords; the archive keeps them";
                m_summary.errors.push_back(std::move(e));
                return appended(f, m, again->appenduid);
            }
        }
        auto e = message_error(f, m, ErrorKind::Protocol, "the target refused the message");
        e.server_reply = reply_of(sent->answer);
        e.hint = "it is tried again on the next run";
        return refused(f, m, std::move(e));
    }

    // MULTIAPPEND (RFC 3502): `batch` in one command. Refused as a whole (all or none), its
    // messages are sent again one at a time, so a refused message costs only itself.
    bool send_batch(const FolderRestore& f,
                    const std::vector<const index::RestorableMessage*>& batch) {
        std::vector<std::pair<const index::RestorableMessage*, EmlSource>> ready;
        for (const auto* m : batch) {
            auto p = prepare(f, *m);
            if (p.stop)
                return false;
            if (p.source)
                ready.emplace_back(m, std::move(*p.source));
        }
        if (ready.size() <= 1)
            return ready.empty() || send_one(f, *ready[0].first, ready[0].second);
        std::vector<std::string> dates;
        std::vector<imap::Writer::Message> messages;
        dates.reserve(ready.size());
        for (auto& [m, source] : ready) {
            if (!record(f, *m, index::RestoreState::Appending, std::nullopt, std::nullopt, ""))
                return false;
            const auto date = imap::append_date(m->internal_date);
            dates.push_back(date ? *date : "");
            messages.push_back({imap::append_flag_list(m->flags), dates.back(), &source});
        }
        auto sent = m_writer.append_many(f.target_raw, messages);
        if (!sent)
            return stop(std::move(sent).error());
        if (sent->answer.ok()) {
            for (size_t i = 0; i < ready.size(); ++i) {
                std::optional<imap::AppendUid> uid;
                if (!sent->appenduid.empty())
                    uid = sent->appenduid[i];
                if (!appended(f, *ready[i].first, uid))
                    return false;
            }
            return true;
        }
        std::vector<const index::RestorableMessage*> all;
        for (const auto& r : ready)
            all.push_back(r.first);
        if (over_quota(f, all, sent->answer))
            return false;
        core::log(core::LogLevel::Verbose, "MULTIAPPEND of " + std::to_string(ready.size()) +
                                               " messages into '" + f.target_name + "' refused (" +
                                               reply_of(sent->answer) +
                                               "): sending them one at a time");
        for (auto& [m, source] : ready) {
            if (core::interrupted())
                return stop(core::interrupted_error());
            auto rewound = source.rewind();
            if (!rewound) {
                auto e = std::move(rewound).error();
                e.folder = f.archive_name;
                m_summary.errors.push_back(std::move(e));
                ++m_summary.refused;
                continue;
            }
            if (!send_one(f, *m, source))
                return false;
        }
        return true;
    }

    // A message the target acknowledged: recorded as restored, then its labels.
    bool appended(const FolderRestore& f, const index::RestorableMessage& m,
                  const std::optional<imap::AppendUid>& appenduid) {
        ++m_summary.appended;
        m_summary.bytes += m.size;
        std::optional<uint32_t> validity, uid;
        if (appenduid) {
            validity = appenduid->uidvalidity;
            uid = appenduid->uid;
        }
        if (!record(f, m, index::RestoreState::Restored, validity, uid, ""))
            return false;
        done(f, m.size);
        if (uid)
            return store_labels(f, m.id, *uid);
        if (!m.message_id.empty())
            m_unconfirmed.push_back(&m);
        if (f.labels.count(m.id))
            m_summary.errors.push_back(
                message_error(f, m, ErrorKind::Protocol,
                              "its Gmail labels were not stored: the target gave no APPENDUID"));
        return true;
    }

    // NO [OVERQUOTA]: nothing more fits, the run ends (true); the messages are recorded as
    // refused, to be sent again by the next run.
    bool over_quota(const FolderRestore& f,
                    const std::vector<const index::RestorableMessage*>& messages,
                    const imap::Completion& answer) {
        if (!answer.code || answer.code->name != "OVERQUOTA")
            return false;
        auto e = message_error(f, *messages.front(), ErrorKind::DiskFull,
                               "the target is over its quota: nothing more fits");
        e.server_reply = reply_of(answer);
        e.scope = core::Scope::Run;
        e.hint =
            "free space on the target (or raise its quota), then run restore again: it goes on "
            "where it stopped";
        for (const auto* m : messages)
            (void)record(f, *m, index::RestoreState::Refused, std::nullopt, std::nullopt,
                         reply_of(answer));
        stop(std::move(e));
        return true;
    }

    // `UID STORE uid +X-GM-LABELS (...)` of the labels the plan names for message `id`, then
    // recorded. False when the run must stop.
    bool store_labels(const FolderRestore& f, int64_t id, uint32_t uid) {
        auto wanted = f.labels.find(id);
        if (wanted == f.labels.end() || wanted->second.empty())
            return true;
        auto refused = [&](core::Error e) {
            e.folder = f.target_name;
            e.uid = uid;
            e.hint = "its labels are stored again on the next run";
            m_summary.errors.push_back(std::move(e));
            return true;
        };
        auto list = imap::gmail_label_list(wanted->second);
        if (!list)
            return refused(std::move(list).error());
        auto stored = m_writer.add_gmail_labels(uid, *list);
        if (!stored)
            return stop(std::move(stored).error());
        if (!stored->ok()) {
            auto e = core::make_error(ErrorKind::Protocol, "the target refused the labels " + *list,
                                      core::Scope::Message);
            e.server_reply = reply_of(*stored);
            return refused(std::move(e));
        }
        auto w = [&] {
            std::lock_guard lock(m_shared.index_mutex);
            return index::write_restored_labels(m_shared.index.db(), m_options.target, f.target_raw,
                                                id, wanted->second);
        }();
        if (!w) {
            auto e = std::move(w).error();
            e.scope = core::Scope::Run;
            return stop(std::move(e));
        }
        ++m_summary.labelled;
        return true;
    }

    core::Error message_error(const FolderRestore& f, const index::RestorableMessage& m,
                              ErrorKind kind, std::string what) {
        auto e =
            core::make_error(kind, std::move(what) + " (" + m.path + ")", core::Scope::Message);
        e.folder = f.target_name;
        return e;
    }

    bool refused(const FolderRestore& f, const index::RestorableMessage& m, core::Error e) {
        ++m_summary.refused;
        const std::string why = e.server_reply.empty() ? e.message : e.server_reply;
        m_summary.errors.push_back(std::move(e));
        return record(f, m, index::RestoreState::Refused, std::nullopt, std::nullopt, why);
    }

    bool record(const FolderRestore& f, const index::RestorableMessage& m,
                index::RestoreState state, std::optional<uint32_t> validity,
                std::optional<uint32_t> uid, const std::string& error) {
        index::RestoreRecord r;
        r.target_folder = f.target_raw;
        r.message_id = m.id;
        r.state = state;
        r.uidvalidity = validity;
        r.uid = uid;
        r.error = error;
        auto w = [&] {
            std::lock_guard lock(m_shared.index_mutex);
            return index::write_restore_record(m_shared.index.db(), m_options.target, r);
        }();
        if (!w) {
            auto e = std::move(w).error();
            e.scope = core::Scope::Run;
            return stop(std::move(e));
        }
        return true;
    }

    void done(const FolderRestore& f, uint64_t bytes) {
        std::lock_guard lock(m_shared.progress_mutex);
        auto& state = m_shared.state;
        ++state.messages_done;
        state.bytes_done += bytes;
        state.folder = f.target_name;
        if (m_shared.progress)
            m_shared.progress(state);
    }

    bool stop(core::Error e) {
        if (!m_summary.fatal)
            m_summary.fatal = std::move(e);
        m_shared.stopped = true;
        return false;
    }

    const RestoreOptions& m_options;
    imap::Client& m_client;
    imap::Writer m_writer;
    const store::ArchiveRoot& m_root;
    RestoreRun& m_shared;
    RestoreSummary& m_summary;
    // This folder's messages appended without an APPENDUID (check_unconfirmed).
    std::vector<const index::RestorableMessage*> m_unconfirmed;
};

// One connection's loop: the next folder nobody has taken, until none is left or the run
// stops.
void run_connection(const RestorePlan& plan, Applier& applier, RestoreRun& shared,
                    RestoreSummary& summary) {
    for (;;) {
        if (shared.stopped)
            return;
        const size_t i = shared.next_folder++;
        if (i >= plan.folders.size())
            return;
        if (!applier.folder(plan, i) && (summary.fatal || shared.stopped))
            return;
    }
}

void merge(RestoreSummary& into, RestoreSummary&& part) {
    into.folders += part.folders;
    into.folders_created += part.folders_created;
    into.appended += part.appended;
    into.bytes += part.bytes;
    into.already += part.already;
    into.found_on_target += part.found_on_target;
    into.refused += part.refused;
    into.labelled += part.labelled;
    into.flags_set_again += part.flags_set_again;
    into.dates_not_kept += part.dates_not_kept;
    for (auto& e : part.errors)
        into.errors.push_back(std::move(e));
    if (!into.fatal && part.fatal)
        into.fatal = std::move(part.fatal);
}

// Folders with anything to send: more connections than these would have nothing to do.
size_t folders_with_work(const RestorePlan& plan) {
    return static_cast<size_t>(
        std::count_if(plan.folders.begin(), plan.folders.end(),
                      [](const auto& f) { return !f.error && has_work(f); }));
}

}  // namespace

RestoreSummary apply_restore(const RestorePlan& plan, const RestoreOptions& options,
                             const std::vector<imap::Client*>& clients, index::ArchiveIndex& index,
                             const store::ArchiveRoot& root, const RestoreProgressFn& progress) {
    const auto start = std::chrono::steady_clock::now();
    RestoreRun shared(index, progress, plan.messages());
    shared.uncreated.assign(plan.folders.size(), 0);
    std::vector<RestoreSummary> parts(clients.size());
    // An exception cannot cross a thread (it would end the process): it ends the run instead.
    auto guarded = [&](size_t i, bool create) {
        try {
            Applier applier(options, *clients[i], root, shared, parts[i]);
            if (create)
                applier.create_folders(plan);
            else
                run_connection(plan, applier, shared, parts[i]);
        } catch (const std::exception& e) {
            parts[i].fatal = core::make_error(
                ErrorKind::Io, std::string("internal error: ") + e.what(), core::Scope::Run);
            shared.stopped = true;
        }
    };
    // Every folder is created on the first connection before any connection restores one.
    if (!clients.empty())
        guarded(0, true);
    std::vector<std::thread> threads;
    for (size_t i = 1; i < clients.size() && !shared.stopped; ++i)
        threads.emplace_back(guarded, i, false);
    if (!clients.empty() && !shared.stopped)
        guarded(0, false);
    for (auto& t : threads)
        t.join();
    RestoreSummary summary;
    for (auto& part : parts)
        merge(summary, std::move(part));
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return summary;
}

RestoreSummary apply_restore(const RestorePlan& plan, const RestoreOptions& options,
                             imap::Client& client, index::ArchiveIndex& index,
                             const store::ArchiveRoot& root, const RestoreProgressFn& progress) {
    return apply_restore(plan, options, std::vector<imap::Client*>{&client}, index, root, progress);
}

Result<RestoreSummary> restore_archive(const RestoreOptions& options, const ConnectFn& connect,
                                       const RestoreProgressFn& progress) {
    const std::string index_path = options.root + "/index.sqlite";
    IMM_TRY(index::require_index(index_path));  // before lock_archive, which would create DIR
    IMM_ASSIGN(auto locked, lock_archive(options.root));
    IMM_ASSIGN(auto index, index::ArchiveIndex::open_existing(index_path));
    IMM_ASSIGN(auto planned, plan_against_target(index, options, connect));
    // One connection per folder at a time: the plan's, and as many more as there are folders
    // to restore, up to --connections. One that cannot be opened (a server's connection limit)
    // only means fewer.
    std::vector<std::unique_ptr<imap::Client>> more;
    const size_t wanted = std::min(options.connections, folders_with_work(planned.plan));
    while (more.size() + 1 < wanted) {
        auto c = connect();
        if (c && planned.target.utf8) {
            // The plan's names are UTF-8: every connection must take them so.
            auto enabled = (*c)->enable_utf8();
            if (!enabled || !*enabled)
                c = core::make_error(ErrorKind::Protocol,
                                     "the connection did not enable UTF8=ACCEPT as the first did");
        }
        if (!c) {
            core::warn("restore goes on with " + std::to_string(more.size() + 1) +
                       " connections: another could not be opened: " + c.error().describe());
            break;
        }
        more.push_back(std::move(*c));
    }
    std::vector<imap::Client*> clients{planned.client.get()};
    for (auto& c : more)
        clients.push_back(c.get());
    RestoreSummary summary =
        apply_restore(planned.plan, options, clients, index, locked.root, progress);
    for (auto* c : clients)
        c->logout();
    return summary;
}

Result<RestorePlan> preview_restore(const RestoreOptions& options, const ConnectFn& connect) {
    IMM_ASSIGN(auto index, index::ArchiveIndex::open_read_only(options.root + "/index.sqlite"));
    IMM_ASSIGN(auto planned, plan_against_target(index, options, connect));
    planned.client->logout();
    return std::move(planned.plan);
}

}  // namespace imapmirror::sync
