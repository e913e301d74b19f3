#include "sync/reindexer.hpp"

#include <algorithm>
#include <thread>
#include <vector>

#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "index/archive_index.hpp"
#include "mime/body_text.hpp"
#include "sync/archive.hpp"
#include "sync/archive_lock.hpp"
#include "sync/attachment_texts.hpp"
#include "sync/parallel.hpp"

namespace imapmirror::sync {

using core::Result;

namespace {

struct Read {
    bool ok = false;
    index::BodyRecord body;
    std::string error;
};

// The bodies of `batch`, read by `threads` threads (GMime parsing is the cost).
std::vector<Read> read_batch(const std::string& root,
                             const std::vector<index::ArchiveIndex::Unread>& batch,
                             size_t threads) {
    std::vector<Read> out(batch.size());
    for_each_parallel(batch.size(), threads, [&](size_t i) {
        auto body = mime::read_body_text(root + "/" + batch[i].path, mime::TextFor::Index);
        if (!body) {
            out[i].error = body.error().message;
            return;
        }
        out[i].ok = true;
        out[i].body = index::BodyRecord{std::string(mime::origin_name(body->origin)),
                                        std::move(body->text), body->truncated};
    });
    return out;
}

}  // namespace

Result<ReindexSummary> reindex(const ReindexOptions& options,
                               const std::function<void(const ReindexProgress&)>& progress) {
    IMM_ASSIGN(auto archive, open_for_writing(options.root, IndexOpen::Existing));
    index::ArchiveIndex& index = archive.index;
    if (options.all)
        IMM_TRY(index.forget_bodies());
    const size_t threads = reading_threads(options.threads);
    ReindexSummary summary;
    ReindexProgress p;
    IMM_ASSIGN(p.total, index.count_without_body());
    progress(p);
    int64_t after = 0;
    for (;;) {
        if (core::interrupted())
            return core::interrupted_error();
        IMM_ASSIGN(auto batch,
                   index.messages_without_body(after, std::max<size_t>(1, options.batch)));
        if (batch.empty())
            break;
        after = batch.back().id;
        auto reads = read_batch(options.root, batch, threads);
        std::vector<std::pair<int64_t, index::BodyRecord>> bodies;
        for (size_t i = 0; i < batch.size(); ++i) {
            if (!reads[i].ok) {
                ++summary.missing;
                core::log(core::LogLevel::Normal, "reindex: " + batch[i].path + ": " +
                                                      reads[i].error + "; its body stays unread");
                continue;
            }
            summary.html += reads[i].body.origin == "html" ? 1 : 0;
            summary.truncated += reads[i].body.truncated ? 1 : 0;
            bodies.emplace_back(batch[i].id, std::move(reads[i].body));
        }
        IMM_TRY(index.store_bodies(bodies));
        summary.read += bodies.size();
        p.done += batch.size();
        progress(p);
    }
    if (options.attachment_text) {
        AttachmentTextOptions texts;
        texts.root = options.root;
        texts.threads = threads;
        IMM_ASSIGN(auto read, index_attachment_texts(index, texts, [&](const auto& t) {
                       progress(ReindexProgress{p.total + t.total, p.done + t.done});
                   }));
        summary.attachments = read.attachments;
        summary.attachments_failed = read.failed;
    }
    return summary;
}

}  // namespace imapmirror::sync
