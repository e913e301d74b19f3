#include "sync/dumper.hpp"

#include <fcntl.h>

#include <cerrno>
#include <map>
#include <string>

#include "core/interrupt.hpp"
#include "store/archive_root.hpp"
#include "store/atomic_file.hpp"
#include "store/mbox_writer.hpp"

namespace imapmirror::sync {

using core::Result;

namespace {

// The archive's folder directories, opened once each, never through a link.
class ArchiveReader {
  public:
    explicit ArchiveReader(const store::ArchiveRoot& root) : m_root(root) {}

    struct Source {
        int dir = -1;
        std::string name, shown;
    };
    Result<Source> source(const std::string& eml_path) {
        const store::SplitPath p = store::split_path(eml_path);
        auto it = m_dirs.find(p.dir);
        if (it == m_dirs.end()) {
            IMM_ASSIGN(auto fd, m_root.open_directory(p.dir, false));
            it = m_dirs.emplace(p.dir, std::move(fd)).first;
        }
        return Source{it->second.get(), p.name, m_root.path() + "/" + eml_path};
    }
    struct Opened {
        store::UniqueFd fd;
        std::string shown;
    };
    Result<Opened> open(const std::string& eml_path) {
        IMM_ASSIGN(auto s, source(eml_path));
        store::UniqueFd fd(::openat(s.dir, s.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) {
            auto e = store::file_error(errno, "cannot read", s.shown);
            e.scope = core::Scope::Message;
            e.hint = "`imapmirror verify` checks the archive, `verify --repair` heals it";
            return e;
        }
        return Opened{std::move(fd), s.shown};
    }

  private:
    const store::ArchiveRoot& m_root;
    std::map<std::string, store::UniqueFd> m_dirs;
};

core::Error in_folder(core::Error e, const DumpFolder& folder, const index::LiveMessage* m) {
    if (m && !e.uid)
        e.uid = m->uid;
    return std::move(e).with_folder(folder.name);
}

// A Run error ends the dump; a narrower one is recorded and the dump goes on.
Result<void> record(core::Error e, DumpSummary& summary) {
    if (e.scope == core::Scope::Run || e.scope == core::Scope::Session)
        return e;
    summary.errors.push_back(std::move(e));
    return {};
}

Result<void> dump_maildir(const DumpFolder& folder, const store::ArchiveRoot& target,
                          ArchiveReader& archive, DumpSummary& summary,
                          const std::function<void()>& advanced) {
    IMM_ASSIGN(auto opened, store::MaildirFolder::open(target, folder.target, true));
    store::MaildirFolder& maildir = *opened;
    const MaildirChanges& c = folder.changes;
    for (const auto& f : c.remove) {
        if (auto done = maildir.remove(f); !done)
            IMM_TRY(record(in_folder(done.error(), folder, nullptr), summary));
        else
            ++summary.removed;
    }
    for (const auto& r : c.rename) {
        if (auto done = maildir.rename(r.from, r.to); !done)
            IMM_TRY(record(in_folder(done.error(), folder, nullptr), summary));
        else
            ++summary.renamed;
    }
    summary.unchanged += c.unchanged;
    for (const auto& a : c.add) {
        if (core::interrupted())
            return core::interrupted_error();
        auto placed = [&]() -> Result<store::Placed> {
            IMM_ASSIGN(auto source, archive.source(a.message.path));
            return maildir.add(source.dir, source.name, source.shown, a.name);
        }();
        if (!placed)
            IMM_TRY(record(in_folder(placed.error(), folder, &a.message), summary));
        else
            ++(*placed == store::Placed::Linked ? summary.linked : summary.copied);
        advanced();
    }
    return {};
}

Result<void> dump_mbox(const DumpFolder& folder, const store::ArchiveRoot& target,
                       ArchiveReader& archive, bool mozilla_status, DumpSummary& summary,
                       const std::function<void()>& advanced) {
    const store::SplitPath p = store::split_path(folder.target);
    IMM_ASSIGN(auto dir, target.open_directory(p.dir, true));
    const std::string shown_dir = target.path() + (p.dir.empty() ? "" : "/" + p.dir);
    IMM_ASSIGN(auto writer, store::MboxWriter::create(dir.get(), shown_dir));
    for (const auto& m : folder.messages) {
        if (core::interrupted())
            return core::interrupted_error();
        auto source = archive.open(m.path);
        if (!source) {
            IMM_TRY(record(in_folder(source.error(), folder, &m), summary));
            advanced();
            continue;
        }
        IMM_TRY(writer.add({m.from_addr, m.internal_date, m.flags}, source->fd.get(), source->shown,
                           mozilla_status));
        advanced();
    }
    return writer.commit(dir.get(), p.name, target.path() + "/" + folder.target);
}

}  // namespace

Result<DumpSummary> apply_dump(const DumpPlan& plan, const DumpOptions& options,
                               const std::function<void(const DumpProgress&)>& progress) {
    DumpSummary summary;
    summary.errors = plan.skipped;
    DumpProgress p;
    for (const auto& f : plan.folders)
        p.total += plan.format == DumpFormat::Maildir ? f.changes.add.size() : f.messages.size();
    IMM_ASSIGN(auto archive_root, store::ArchiveRoot::open(options.archive));
    IMM_ASSIGN(auto target, store::ArchiveRoot::open(options.target));
    ArchiveReader archive(archive_root);
    const auto advanced = [&] {
        ++p.done;
        if (progress)
            progress(p);
    };
    for (const auto& f : plan.folders) {
        auto done = plan.format == DumpFormat::Maildir
                        ? dump_maildir(f, target, archive, summary, advanced)
                        : dump_mbox(f, target, archive, options.mozilla_status, summary, advanced);
        if (!done) {
            IMM_TRY(record(in_folder(done.error(), f, nullptr), summary));
            continue;
        }
        ++summary.folders;
        summary.messages += f.messages.size();
        for (const auto& m : f.messages)
            summary.bytes += m.size;
    }
    return summary;
}

}  // namespace imapmirror::sync
