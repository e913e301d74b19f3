#include "queries/attachment_listing.hpp"

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <utility>

#include "core/log.hpp"
#include "mime/header_text.hpp"
#include "mime/message_parser.hpp"
#include "store/atomic_file.hpp"
#include "sync/message_sink.hpp"

namespace imapmirror::queries {

namespace {

// The name a mail client would show: Content-Disposition filename, else Content-Type name.
std::string display_name(const imap::BodyPart& p) {
    std::string name = mime::decode_parameter(p.disposition_params, "filename");
    if (name.empty())
        name = mime::decode_parameter(p.params, "name");
    return name;
}

}  // namespace

Attachment describe(const imap::BodyPart& p) {
    Attachment a;
    a.part = p.part;
    a.filename = display_name(p);
    a.content_type = p.mime_type();
    a.encoding = p.encoding;
    a.disposition = p.disposition;
    a.size = p.size;
    // Base64 lines carry CRLF every 76 characters: 4 chars -> 3 bytes.
    a.decoded_size = p.encoding == "base64" ? p.size * 76 / 78 * 3 / 4 : p.size;
    return a;
}

namespace {

// The fallback reads the whole message into a temporary file: at most this much of it.
constexpr uint64_t kMaxFallbackBytes = uint64_t{1} << 30;

// A private temporary directory, removed with what is in it.
class TempDirectory {
  public:
    static core::Result<TempDirectory> make() {
        std::string pattern =
            std::filesystem::temp_directory_path().string() + "/imapmirror-XXXXXX";
        if (!::mkdtemp(pattern.data()))
            return store::file_error(errno, "cannot create a temporary directory", pattern);
        return TempDirectory(std::move(pattern));
    }
    TempDirectory(TempDirectory&& o) noexcept : m_path(std::exchange(o.m_path, {})) {}
    TempDirectory& operator=(TempDirectory&&) = delete;
    ~TempDirectory() {
        if (!m_path.empty())
            store::remove_tree(m_path);
    }
    const std::string& path() const { return m_path; }

  private:
    explicit TempDirectory(std::string path) : m_path(std::move(path)) {}
    std::string m_path;
};

// A message body into a temporary file, refused past kMaxFallbackBytes.
class BoundedSink final : public imap::LiteralSink {
  public:
    explicit BoundedSink(sync::MessageSink& inner) : m_inner(inner) {}
    core::Result<void> write(std::string_view chunk) override {
        if (m_inner.size() + chunk.size() > kMaxFallbackBytes)
            return core::make_error(
                core::ErrorKind::Limit,
                "the message is larger than 1 GiB; its attachments are not listed");
        return m_inner.write(chunk);
    }
    core::Result<void> finish() override { return m_inner.finish(); }

  private:
    sync::MessageSink& m_inner;
};

// Counts each attachment's decoded bytes and keeps its description; writes nothing.
class AttachmentCounter final : public mime::AttachmentOutput {
  public:
    core::Result<void> begin(const mime::AttachmentMeta& meta) override {
        Attachment a;
        a.part = meta.part;
        a.filename = meta.filename;
        a.content_type = meta.content_type;
        found.push_back(std::move(a));
        return {};
    }
    core::Result<void> write(std::string_view decoded) override {
        found.back().size += decoded.size();
        found.back().decoded_size += decoded.size();
        return {};
    }
    core::Result<void> end() override { return {}; }
    std::vector<Attachment> found;
};

// The attachments of message `set` read from the message itself: BODY.PEEK[] into a bounded
// temporary file, parsed by the mime layer. For a BODYSTRUCTURE the server sends but that
// cannot be read.
core::Result<std::vector<Attachment>> attachments_from_message(imap::Client& client,
                                                               const imap::MessageSet& set,
                                                               uint32_t uid) {
    IMM_ASSIGN(auto dir, TempDirectory::make());
    auto sink = sync::MessageSink::into_directory(dir.path());
    BoundedSink bounded(sink);
    std::optional<sync::MessageSink::Taken> body;
    imap::FetchRequest request;
    request.items = "(UID BODY.PEEK[])";
    request.body_sink = [&]() -> imap::LiteralSink* {
        sink.begin();
        return &bounded;
    };
    request.on_message = [&](const imap::FetchData& f) -> core::Result<void> {
        if (!f.uid || *f.uid != uid || !f.section("BODY[]") || !sink.has_body())
            return {};
        IMM_ASSIGN(body, sink.take(std::nullopt));
        return {};
    };
    IMM_ASSIGN(auto refused, client.fetch_streamed({set}, request));
    if (!refused.empty())
        return core::make_error(
            core::ErrorKind::Protocol,
            "the server refused to send the message: " + refused.front().answer.text);
    if (!body)
        return core::make_error(core::ErrorKind::Protocol,
                                "the server sent no body for the message");
    AttachmentCounter counter;
    IMM_TRY(mime::parse_message_file(body->temp_path, counter));
    return std::move(counter.found);
}

}  // namespace

core::Result<AttachmentListing> list_attachments(imap::Client& client, bool by_uid,
                                                 uint32_t number) {
    const imap::MessageSet set{by_uid, std::to_string(number)};
    std::optional<uint32_t> uid, seq;
    std::vector<Attachment> found;
    auto r = client.fetch(set, "(UID BODYSTRUCTURE)",
                          [&](const imap::FetchData& f) -> core::Result<void> {
                              if (!f.body_structure || !f.uid)
                                  return {};
                              if ((by_uid ? *f.uid : f.seq) != number)
                                  return {};
                              uid = f.uid;
                              seq = f.seq;
                              for (const auto* p : imap::attachment_parts(*f.body_structure))
                                  found.push_back(describe(*p));
                              return {};
                          });
    if (!r && r.error().kind == core::ErrorKind::Parse) {
        // GNU imap4d sends BODYSTRUCTUREs that cannot be read (an empty multipart, "()" for an
        // attached message): the message itself says what it carries. The FETCH was read to
        // its end, so the connection is still usable; if the fallback fails too, the first
        // error is the one reported.
        core::log(core::LogLevel::Normal, "the server's BODYSTRUCTURE cannot be read (" +
                                              r.error().describe() +
                                              "); reading the attachments from the message itself");
        uint32_t wanted = 0;
        auto listed =
            client.fetch(set, "(UID)", [&](const imap::FetchData& f) -> core::Result<void> {
                if (f.uid && (by_uid ? *f.uid : f.seq) == number) {
                    wanted = *f.uid;
                    seq = f.seq;
                }
                return {};
            });
        if (listed && !wanted) {
            r = {};  // no such message: the caller reports it
        } else if (listed) {
            auto from_message = attachments_from_message(
                client, imap::MessageSet{true, std::to_string(wanted)}, wanted);
            if (from_message) {
                uid = wanted;
                found = std::move(*from_message);
                r = {};
            } else {
                core::log(core::LogLevel::Normal,
                          "reading the message failed too: " + from_message.error().describe());
            }
        }
    }
    if (!r)
        return std::move(r).error();
    return AttachmentListing{uid, seq, std::move(found)};
}

}  // namespace imapmirror::queries
