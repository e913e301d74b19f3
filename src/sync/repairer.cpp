#include "sync/repairer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <map>
#include <set>

#include "index/archive_index.hpp"
#include "index/file_owner.hpp"
#include "mime/message_parser.hpp"
#include "store/atomic_file.hpp"
#include "store/attachment_store.hpp"
#include "store/damaged_copy.hpp"
#include "store/mirror_layout.hpp"
#include "store/sha256.hpp"
#include "sync/archive.hpp"
#include "sync/archive_lock.hpp"
#include "sync/attachment_writer.hpp"
#include "sync/body_fetcher.hpp"
#include "sync/shared_run.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;
using core::Scope;

namespace {

std::string directory_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "INBOX/1-2.eml" -> "INBOX/1-2.attachments" (AttachmentWriter's directory for the message).
std::string attachments_of(const std::string& eml_path) {
    return eml_path.substr(0, eml_path.size() - 4) + ".attachments";
}

// Whether `name` exists in `dir_fd` (a link counts: it is set aside too, never followed).
bool present(int dir_fd, const std::string& name) {
    struct stat st {};
    return ::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

// A missing or changed file, and the SHA-256 the index says it has.
struct DamagedFile {
    std::string path, sha256;
};

// One damaged message: its .eml, or some of its attachment files, or both.
struct Damaged {
    index::FileOwner owner;
    bool eml = false;                      // the .eml is missing or changed
    std::vector<DamagedFile> attachments;  // missing or changed ones
};

// The repair of one archive: what the phases share.
class Repair {
  public:
    Repair(const std::string& root, LockedArchive& archive, index::ArchiveIndex& index,
           const ConnectFn& connect, std::function<void(const Progress&)> on_progress)
        : m_root(root),
          m_archive(archive),
          m_index(index),
          m_connect(connect),
          m_shared(index, m_summary, std::move(on_progress)),
          m_now(std::time(nullptr)) {
        m_options.root = root;
        m_options.index_bodies = false;  // the rows are kept: nothing new to index
    }

    // Groups the damaged files of `found` by message.
    Result<void> classify(const VerifyReport& found) {
        std::vector<std::string> paths = found.missing;
        paths.insert(paths.end(), found.changed.begin(), found.changed.end());
        for (const auto& path : paths) {
            if (store::in_attachment_store(path)) {
                m_store_damaged.push_back(path);
                continue;
            }
            IMM_ASSIGN(auto owner, index::file_owner(m_index, path));
            if (!owner) {
                unrepairable(path,
                             "not a message or attachment file; --repair does not rewrite it");
                continue;
            }
            auto& d = m_damaged[owner->eml_path];
            d.owner = *owner;
            if (owner->attachment)
                d.attachments.push_back(DamagedFile{path, owner->sha256});
            else
                d.eml = true;
        }
        return {};
    }

    // Phase "fetch again": every message whose .eml is damaged, folder by folder, on one
    // connection.
    Result<void> fetch_messages() {
        std::map<int64_t, std::vector<Damaged*>> by_folder;
        for (auto& [path, d] : m_damaged) {
            if (!d.eml)
                continue;
            if (d.owner.expunged)
                gone(d, "expunged on the server; kept as it is");
            else
                by_folder[d.owner.folder_id].push_back(&d);
        }
        if (by_folder.empty())
            return {};
        IMM_ASSIGN(auto folders, m_index.folders());
        IMM_ASSIGN(auto client, m_connect());
        for (auto& [folder_id, messages] : by_folder) {
            auto folder = std::find_if(folders.begin(), folders.end(),
                                       [&](const auto& f) { return f.id == folder_id; });
            if (folder == folders.end() || folder->deleted) {
                for (auto* d : messages)
                    gone(*d, "its folder is gone from the server; kept as it is");
                continue;
            }
            IMM_TRY(fetch_folder(*client, *folder, messages));
        }
        client->logout();
        m_report.errors = std::move(m_summary.errors);
        return {};
    }

    // Phase "extract again": the damaged attachment files of messages whose .eml is intact.
    Result<void> extract_attachments() {
        // A damaged store file is set aside first (kept, never deleted: messages link it), so
        // that nothing re-extracted or fetched again is linked to it; the first good copy
        // becomes the store's file again (adopt).
        for (const auto& path : m_store_damaged) {
            const auto where = store::split_path(path);
            IMM_ASSIGN(auto dir, m_archive.root.open_directory(where.dir, false));
            IMM_ASSIGN(auto aside,
                       store::set_aside(dir.get(), where.name, m_root + "/" + where.dir, m_now));
            m_report.set_aside.push_back(where.dir + "/" + aside);
        }
        store::DurableBatch batch(m_root);
        for (auto& [path, d] : m_damaged) {
            if (d.eml || d.attachments.empty())
                continue;
            IMM_TRY(extract(d, batch));
        }
        IMM_TRY(batch.commit());
        IMM_ASSIGN(auto store, store::AttachmentStore::open(m_root));
        adopt_attachments(store, m_extracted);
        IMM_TRY(m_index.set_attachment_storage(m_extracted));
        for (const auto& a : m_extracted)
            m_report.reextracted.push_back(a.path);
        return {};
    }

    RepairReport take() { return std::move(m_report); }

  private:
    void unrepairable(const std::string& path, const std::string& why) {
        m_report.unrepairable.push_back(path + ": " + why);
    }
    // The message cannot be fetched: its .eml and attachment files stay as they are.
    void gone(const Damaged& d, const std::string& why) {
        unrepairable(d.owner.eml_path, why);
        for (const auto& a : d.attachments)
            unrepairable(a.path, "its message cannot be fetched again; kept as it is");
    }

    Result<void> fetch_folder(imap::Client& client, const index::FolderRecord& folder,
                              const std::vector<Damaged*>& messages) {
        auto state = client.examine(folder.name);
        if (!state && state.error().scope == Scope::Session)
            return std::move(state).error();
        if (!state) {
            const std::string why = state.error().kind == ErrorKind::NotFound
                                        ? "its folder is gone from the server; kept as it is"
                                        : "its folder cannot be opened (" +
                                              state.error().describe() + "); kept as it is";
            for (auto* d : messages)
                gone(*d, why);
            return {};
        }
        const uint32_t uidvalidity = state->uidvalidity.value_or(0);
        IMM_ASSIGN(auto uids, server_uid_list(client, *state));
        if (uids)
            std::sort(uids->begin(), uids->end());
        IMM_ASSIGN(auto dir, m_archive.root.open_directory(folder.path, false));
        std::vector<uint32_t> wanted;
        std::vector<Damaged*> fetched;
        for (auto* d : messages) {
            if (d->owner.uidvalidity != uidvalidity) {
                gone(*d, "the folder's UIDVALIDITY changed (" +
                             std::to_string(d->owner.uidvalidity) + " -> " +
                             std::to_string(uidvalidity) +
                             "): the server no longer knows this message by its UID; kept as "
                             "it is");
                continue;
            }
            if (!uids) {
                gone(*d, "the server's UID list disagrees with its EXISTS; kept as it is");
                continue;
            }
            if (!std::binary_search(uids->begin(), uids->end(), d->owner.uid)) {
                gone(*d, "UID " + std::to_string(d->owner.uid) +
                             " is no longer on the server; kept as it is");
                continue;
            }
            IMM_TRY(set_aside_for_fetch(dir.get(), folder.path, *d));
            wanted.push_back(d->owner.uid);
            fetched.push_back(d);
        }
        if (wanted.empty())
            return {};
        std::sort(wanted.begin(), wanted.end());
        BodyFetcher fetcher(client, m_shared, m_options, folder, uidvalidity, [] { return false; });
        IMM_TRY(fetcher.fetch(wanted));
        for (auto* d : fetched)
            check_fetched(*d);
        return {};
    }

    // Before a fetch: the damaged .eml, and an .attachments directory holding a damaged file
    // (the fetch writes that directory anew), are set aside.
    Result<void> set_aside_for_fetch(int dir_fd, const std::string& folder_path, const Damaged& d) {
        const std::string eml = name_of(d.owner.eml_path);
        if (present(dir_fd, eml)) {
            IMM_ASSIGN(auto aside,
                       store::set_aside(dir_fd, eml, m_root + "/" + folder_path, m_now));
            m_report.set_aside.push_back(folder_path + "/" + aside);
        }
        const std::string attachments = name_of(attachments_of(d.owner.eml_path));
        // A damaged attachment file is present (a missing one needs nothing kept).
        const bool damaged_inside =
            std::any_of(d.attachments.begin(), d.attachments.end(), [&](const DamagedFile& a) {
                return present(dir_fd, attachments + "/" + name_of(a.path));
            });
        if (damaged_inside) {
            IMM_ASSIGN(auto aside,
                       store::set_aside(dir_fd, attachments, m_root + "/" + folder_path, m_now));
            m_report.set_aside.push_back(folder_path + "/" + aside);
        }
        return {};
    }

    // After a fetch: the message's files hashed again against the index.
    void check_fetched(const Damaged& d) {
        const std::string eml = store::sha256_of_file(m_root + "/" + d.owner.eml_path);
        if (eml.empty()) {
            gone(d, "the server did not send it (see the errors)");
            return;
        }
        if (eml != d.owner.eml_sha256) {
            unrepairable(d.owner.eml_path,
                         "the server sent other bytes than the archived message (they are now "
                         "under this name; the damaged copy is kept aside)");
        } else {
            m_report.refetched.push_back(d.owner.eml_path);
        }
        for (const auto& a : d.attachments) {
            if (store::sha256_of_file(m_root + "/" + a.path) == a.sha256)
                m_report.reextracted.push_back(a.path);
            else
                unrepairable(a.path, "the message fetched again does not yield this attachment");
        }
    }

    // One intact message's damaged attachment files, extracted again into `batch`.
    Result<void> extract(const Damaged& d, store::DurableBatch& batch) {
        const std::string folder_path = directory_of(d.owner.eml_path);
        const std::string relative_dir = attachments_of(d.owner.eml_path);
        AttachmentWriter writer(m_root + "/" + folder_path, relative_dir);
        auto parsed = mime::parse_message_file(m_root + "/" + d.owner.eml_path, writer);
        if (!parsed) {
            for (const auto& a : d.attachments)
                unrepairable(a.path,
                             "its message cannot be read (" + parsed.error().describe() + ")");
            return {};
        }
        const std::string temp_dir = writer.release_temp_dir();
        struct RemoveAfter {
            std::string path;
            ~RemoveAfter() {
                if (!path.empty())
                    store::remove_tree(path);
            }
        } cleanup{temp_dir};
        for (const auto& a : d.attachments) {
            const std::string& path = a.path;
            auto made = std::find_if(writer.records().begin(), writer.records().end(),
                                     [&](const auto& r) { return r.path == path; });
            if (made == writer.records().end() || made->sha256 != a.sha256) {
                unrepairable(path, "its message no longer yields this attachment");
                continue;
            }
            IMM_ASSIGN(auto dir, m_archive.root.open_directory(relative_dir, true));
            const std::string name = name_of(path);
            if (present(dir.get(), name)) {
                IMM_ASSIGN(auto aside,
                           store::set_aside(dir.get(), name, m_root + "/" + relative_dir, m_now));
                m_report.set_aside.push_back(relative_dir + "/" + aside);
            }
            IMM_ASSIGN(auto copy, copy_into(temp_dir + "/" + name, m_root + "/" + relative_dir));
            batch.add(std::move(copy), m_root + "/" + path);
            m_extracted.push_back(*made);
        }
        return {};
    }

    // `from` copied into a temporary file of `directory` (for a DurableBatch), 1 MB at a time.
    static Result<std::string> copy_into(const std::string& from, const std::string& directory) {
        store::UniqueFd in(::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!in)
            return store::file_error(errno, "cannot read", from);
        IMM_ASSIGN(auto out, store::AtomicFile::create(directory));
        std::string buf(1 << 20, '\0');
        for (;;) {
            const ssize_t n = ::read(in.get(), buf.data(), buf.size());
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return store::file_error(errno, "cannot read", from);
            if (n == 0)
                break;
            IMM_TRY(out.write(std::string_view(buf.data(), static_cast<size_t>(n))));
        }
        return out.release();
    }

    const std::string& m_root;
    LockedArchive& m_archive;
    index::ArchiveIndex& m_index;
    const ConnectFn& m_connect;
    ExportSummary m_summary;  // the run's one summary, which m_shared changes
    SharedRun m_shared;
    ExportOptions m_options;
    const std::time_t m_now;
    std::map<std::string, Damaged> m_damaged;          // by the message's .eml path
    std::vector<index::AttachmentRecord> m_extracted;  // storage "copy" until adopted
    std::vector<std::string> m_store_damaged;          // store files with other bytes
    RepairReport m_report;
};

}  // namespace

Result<RepairReport> repair_archive(const std::string& root, const VerifyReport& found,
                                    const ConnectFn& connect,
                                    std::function<void(const Progress&)> on_progress) {
    IMM_ASSIGN(auto archive, open_for_writing(root, IndexOpen::Create));
    index::ArchiveIndex& index = archive.index;
    Repair repair(root, archive, index, connect, std::move(on_progress));
    IMM_TRY(repair.classify(found));
    // Attachments first: they need no connection, so a failing one does not hold them back.
    IMM_TRY(repair.extract_attachments());
    IMM_TRY(repair.fetch_messages());
    return repair.take();
}

}  // namespace imapmirror::sync
