#include "queries/part_download.hpp"

#include <algorithm>

#include "mime/transfer_decoder.hpp"

namespace imapmirror::queries {

namespace {

const imap::BodyPart* find_part(const imap::BodyPart& p, const std::string& number) {
    if (p.part == number)
        return &p;
    for (const auto& child : p.children)
        if (const auto* found = find_part(child, number))
            return found;
    return nullptr;
}

void leaf_numbers(const imap::BodyPart& p, std::string& out) {
    if (!p.is_multipart() && !p.part.empty())
        out += (out.empty() ? "" : ", ") + p.part;
    for (const auto& child : p.children)
        leaf_numbers(child, out);
}

// The part's literal decoded as it arrives. A failing `write` is remembered and the rest of
// the literal dropped, so the FETCH is read to its end and the connection stays usable.
class DecodingSink final : public imap::LiteralSink {
  public:
    DecodingSink(std::string_view encoding,
                 const std::function<core::Result<void>(std::string_view)>& write)
        : m_decoder(encoding), m_write(write) {}
    core::Result<void> write(std::string_view chunk) override {
        m_decoder.decode(chunk, m_buffer);
        pass_on();
        return {};
    }
    core::Result<void> finish() override {
        m_decoder.finish(m_buffer);
        pass_on();
        m_finished = true;
        return {};
    }
    bool finished() const { return m_finished; }
    uint64_t written() const { return m_written; }
    std::optional<core::Error> error;

  private:
    void pass_on() {
        if (!error && !m_buffer.empty()) {
            if (auto w = m_write(m_buffer); !w)
                error = std::move(w).error();
            else
                m_written += m_buffer.size();
        }
        m_buffer.clear();
    }
    mime::TransferDecoder m_decoder;
    const std::function<core::Result<void>(std::string_view)>& m_write;
    std::string m_buffer;  // one chunk's decoded bytes at a time
    uint64_t m_written = 0;
    bool m_finished = false;
};

}  // namespace

core::Result<void> check_part_number(std::string_view part) {
    bool ok = !part.empty();
    size_t at = 0;
    while (ok && at <= part.size()) {
        const size_t dot = std::min(part.find('.', at), part.size());
        const std::string_view n = part.substr(at, dot - at);
        ok = !n.empty() && n.size() <= 9 && n[0] != '0' &&
             std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; });
        at = dot + 1;
    }
    if (ok)
        return {};
    auto e = core::make_error(core::ErrorKind::Usage,
                              "--part \"" + std::string(part) + "\" is not a MIME part number");
    e.hint = "part numbers are as `imapmirror attachments` lists them, e.g. 2 or 1.3";
    return e;
}

core::Result<PartDownload> download_part(
    imap::Client& client, bool by_uid, uint32_t number, const std::string& part,
    const std::function<core::Result<void>(std::string_view)>& write) {
    IMM_TRY(check_part_number(part));
    const imap::MessageSet set{by_uid, std::to_string(number)};
    PartDownload out;
    std::optional<imap::BodyPart> structure;
    IMM_TRY(client.fetch(set, "(UID BODYSTRUCTURE)",
                         [&](const imap::FetchData& f) -> core::Result<void> {
                             if (!f.body_structure || !f.uid || (by_uid ? *f.uid : f.seq) != number)
                                 return {};
                             out.uid = f.uid;
                             out.seq = f.seq;
                             structure = *f.body_structure;
                             return {};
                         }));
    if (!out.uid)
        return out;
    const imap::BodyPart* found = find_part(*structure, part);
    if (!found || found->is_multipart()) {
        std::string parts;
        leaf_numbers(*structure, parts);
        auto e =
            core::make_error(core::ErrorKind::Usage,
                             found ? "part " + part + " is a multipart, it has no body of its own"
                                   : "the message has no part " + part);
        e.hint = "its parts are " + parts + " (see `imapmirror attachments`)";
        e.uid = out.uid;
        return e;
    }
    out.part = describe(*found);
    DecodingSink sink(found->encoding, write);
    const std::string section = "BODY[" + part + "]";
    imap::FetchRequest request;
    request.items = "(UID BODY.PEEK[" + part + "])";
    request.streamed_section = section;
    bool sent = false;
    request.body_sink = [&]() -> imap::LiteralSink* {
        if (sent)
            return &imap::discarding_sink();  // the part once, whatever the server repeats
        sent = true;
        return &sink;
    };
    request.on_message = [&](const imap::FetchData& f) -> core::Result<void> {
        // A small part may come as a quoted string, which never reaches a literal sink.
        const auto* value = f.section(section);
        if (!sent && value && value->value->is_string()) {
            sent = true;
            IMM_TRY(sink.write(value->value->text));
            IMM_TRY(sink.finish());
        }
        return {};
    };
    IMM_ASSIGN(auto refused,
               client.fetch_streamed({imap::MessageSet{true, std::to_string(*out.uid)}}, request));
    if (!refused.empty())
        return imap::completion_error(refused.front().answer, "UID FETCH");
    if (sink.error)
        return std::move(*sink.error);
    if (!sink.finished()) {
        auto e = core::make_error(core::ErrorKind::Protocol,
                                  "the server sent no " + section + " for the message");
        e.uid = out.uid;
        return e;
    }
    out.decoded_bytes = sink.written();
    return out;
}

}  // namespace imapmirror::queries
