#include "sync/attachment_texts.hpp"

#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>

#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "index/archive_index.hpp"
#include "mime/message_parser.hpp"
#include "sync/parallel.hpp"

namespace imapmirror::sync {

using core::Result;

namespace {

// Keeps the decoded bytes of the attachments asked for (by part number), each up to the
// input cap plus one byte (so extract_text can tell it is over).
class PartCollector final : public mime::AttachmentOutput {
  public:
    struct Held {
        std::string part, charset, bytes;
    };
    PartCollector(const std::vector<std::string>& parts, size_t cap) : m_parts(parts), m_cap(cap) {}

    Result<void> begin(const mime::AttachmentMeta& meta) override {
        m_current = std::find(m_parts.begin(), m_parts.end(), meta.part) != m_parts.end();
        if (m_current)
            m_held.push_back(Held{meta.part, meta.charset, {}});
        return {};
    }
    Result<void> write(std::string_view decoded) override {
        if (m_current) {
            std::string& b = m_held.back().bytes;
            b.append(decoded.substr(0, std::min(decoded.size(), m_cap + 1 - b.size())));
        }
        return {};
    }
    Result<void> end() override {
        m_current = false;
        return {};
    }
    std::vector<Held>& held() { return m_held; }

  private:
    const std::vector<std::string>& m_parts;
    size_t m_cap;
    bool m_current = false;
    std::vector<Held> m_held;
};

// The extraction children, one per reading thread and kept for the whole run: starting a
// child costs more than most documents do (extract/sandbox.hpp).
class ExtractorPool {
  public:
    explicit ExtractorPool(const AttachmentTextOptions& options) : m_options(options) {}

    std::unique_ptr<extract::SandboxedExtractor> take() {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_idle.empty())
            return std::make_unique<extract::SandboxedExtractor>(m_options.limits,
                                                                 m_options.sandbox);
        auto e = std::move(m_idle.back());
        m_idle.pop_back();
        return e;
    }
    void give(std::unique_ptr<extract::SandboxedExtractor> e) {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_idle.push_back(std::move(e));
    }

  private:
    const AttachmentTextOptions& m_options;
    std::mutex m_mutex;
    std::vector<std::unique_ptr<extract::SandboxedExtractor>> m_idle;
};

struct Read {
    bool ok = false;
    std::vector<index::AttachmentTextRecord> records;
    std::string error;
};

Read read_message(const index::ArchiveIndex::UnreadAttachments& m,
                  const AttachmentTextOptions& options, extract::SandboxedExtractor& extractor) {
    Read out;
    std::vector<std::string> wanted;
    for (const auto& a : m.attachments)
        if (extract::text_kind(a.content_type, a.filename) != extract::TextKind::None)
            wanted.push_back(a.part);
    PartCollector collector(wanted, options.limits.max_input);
    if (!wanted.empty()) {
        auto parsed = mime::parse_message_file(options.root + "/" + m.path, collector);
        if (!parsed) {
            out.error = parsed.error().message;
            return out;
        }
    }
    for (const auto& a : m.attachments) {
        if (core::interrupted())
            return out;  // not ok: nothing of this message is recorded
        const auto kind = extract::text_kind(a.content_type, a.filename);
        index::AttachmentTextRecord r;
        r.attachment_id = a.id;
        auto& held = collector.held();
        auto it =
            std::find_if(held.begin(), held.end(), [&](const auto& h) { return h.part == a.part; });
        if (kind == extract::TextKind::None) {
            r.status = "skipped:no text in " + a.content_type;
        } else if (it == held.end()) {
            r.status = "failed:part " + a.part + " not found in the message";
        } else {
            auto text = extract::extract_attachment_text(kind, it->bytes, it->charset,
                                                         options.limits, extractor);
            it->bytes = std::string();  // free it before the next one
            if (text.status == "failed:interrupted")
                return out;
            r.status = std::move(text.status);
            r.text = std::move(text.text);
            r.truncated = r.status == "truncated";
        }
        out.records.push_back(std::move(r));
    }
    out.ok = true;
    return out;
}

}  // namespace

Result<AttachmentTextSummary> index_attachment_texts(
    index::ArchiveIndex& index, const AttachmentTextOptions& options,
    const std::function<void(const AttachmentTextProgress&)>& progress) {
    const size_t threads = reading_threads(options.threads);
    AttachmentTextSummary summary;
    AttachmentTextProgress p;
    IMM_ASSIGN(p.total, index.count_without_attachment_text());
    if (p.total == 0)
        return summary;
    progress(p);
    int64_t after = 0;
    ExtractorPool pool(options);
    for (;;) {
        if (core::interrupted())
            return core::interrupted_error();
        IMM_ASSIGN(auto batch, index.messages_without_attachment_text(
                                   after, std::max<size_t>(1, options.batch)));
        if (batch.empty())
            break;
        after = batch.back().message_id;
        std::vector<Read> reads(batch.size());
        for_each_parallel(batch.size(), threads, [&](size_t i) {
            auto extractor = pool.take();
            reads[i] = read_message(batch[i], options, *extractor);
            pool.give(std::move(extractor));
        });
        if (core::interrupted())
            return core::interrupted_error();
        std::vector<std::pair<int64_t, std::vector<index::AttachmentTextRecord>>> texts;
        for (size_t i = 0; i < batch.size(); ++i) {
            if (!reads[i].ok) {
                ++summary.unreadable;
                core::log(core::LogLevel::Normal, "attachment text: " + batch[i].path + ": " +
                                                      reads[i].error +
                                                      "; its attachments stay unread");
                continue;
            }
            for (const auto& r : reads[i].records) {
                summary.with_text += r.text.empty() ? 0 : 1;
                summary.failed += r.status.rfind("failed:", 0) == 0 ? 1 : 0;
                if (r.status.rfind("failed:", 0) == 0)
                    core::log(core::LogLevel::Verbose,
                              "attachment text: " + batch[i].path + ": attachment " +
                                  std::to_string(r.attachment_id) + ": " + r.status);
            }
            summary.attachments += reads[i].records.size();
            texts.emplace_back(batch[i].message_id, std::move(reads[i].records));
        }
        IMM_TRY(index.store_attachment_texts(texts));
        summary.messages += texts.size();
        p.done += batch.size();
        progress(p);
    }
    return summary;
}

}  // namespace imapmirror::sync
