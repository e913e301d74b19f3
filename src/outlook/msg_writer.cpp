#include "outlook/msg_writer.hpp"

#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-stdio.h>
#include <gsf/gsf-utils.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>

#include "mime/glib_ptr.hpp"
#include "outlook/eml_reader.hpp"
#include "outlook/outlook_fields.hpp"
#include "outlook/property_stream.hpp"

namespace imapmirror::outlook {

using core::Result;

namespace {

// Property ids, MS-OXPROPS.
enum : uint16_t {
    kImportance = 0x0017,
    kMessageClass = 0x001A,
    kPriority = 0x0026,
    kSubject = 0x0037,
    kSubjectPrefix = 0x003D,
    kReplyRecipientEntries = 0x004F,
    kReplyRecipientNames = 0x0050,
    kConversationTopic = 0x0070,
    kConversationIndex = 0x0071,
    kClientSubmitTime = 0x0039,
    kSentRepresentingName = 0x0042,
    kSentRepresentingAddressType = 0x0064,
    kSentRepresentingEmailAddress = 0x0065,
    kTransportMessageHeaders = 0x007D,
    kRecipientType = 0x0C15,
    kSenderName = 0x0C1A,
    kSenderAddressType = 0x0C1E,
    kSenderEmailAddress = 0x0C1F,
    kDisplayBcc = 0x0E02,
    kDisplayCc = 0x0E03,
    kDisplayTo = 0x0E04,
    kMessageDeliveryTime = 0x0E06,
    kMessageFlags = 0x0E07,
    kHasAttachments = 0x0E1B,
    kNormalizedSubject = 0x0E1D,
    kAttachSize = 0x0E20,
    kAttachNumber = 0x0E21,
    kObjectType = 0x0FFE,
    kBody = 0x1000,
    kHtml = 0x1013,
    kInternetMessageId = 0x1035,
    kInternetReferences = 0x1039,
    kInReplyToId = 0x1042,
    kRowid = 0x3000,
    kDisplayName = 0x3001,
    kAddressType = 0x3002,
    kEmailAddress = 0x3003,
    kCreationTime = 0x3007,
    kLastModificationTime = 0x3008,
    kStoreSupportMask = 0x340D,
    kAttachDataBinary = 0x3701,  // PtypBinary; as PtypObject: PidTagAttachDataObject
    kAttachExtension = 0x3703,
    kAttachFilename = 0x3704,
    kAttachMethod = 0x3705,
    kAttachLongFilename = 0x3707,
    kRenderingPosition = 0x370B,
    kAttachMimeTag = 0x370E,
    kAttachContentId = 0x3712,
    kAttachFlags = 0x3714,
    kDisplayType = 0x3900,
    kSmtpAddress = 0x39FE,
    kInternetCodepage = 0x3FDE,
    kSenderSmtpAddress = 0x5D01,
    kSentRepresentingSmtpAddress = 0x5D02,
    kAttachmentHidden = 0x7FFE,
};

constexpr uint32_t kMsgFlagRead = 0x1;
constexpr uint32_t kMsgFlagHasAttach = 0x10;
constexpr uint32_t kStoreUnicodeOk = 0x00040000;  // strings in this file are PtypString
constexpr uint32_t kCodepageUtf8 = 65001;
constexpr uint32_t kMapiMailUser = 6, kMapiAttach = 7;
constexpr uint32_t kAttachByValue = 1, kAttachEmbeddedMsg = 5;
constexpr uint32_t kAttRenderedInBody = 0x4;
// CLSID_MailMessage {00020D0B-0000-0000-C000-000000000046}, as stored (little-endian fields).
constexpr guint8 kMessageClsid[16] = {0x0B, 0x0D, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

using OutputPtr = mime::GPtr<GsfOutput>;

core::Error write_error(const std::string& path, const std::string& what) {
    return core::make_error(core::ErrorKind::Io, "cannot write " + path + ": " + what,
                            core::Scope::Message);
}

// Writes one libgsf tree; the first failure is kept and reported by finish().
class OleWriter {
  public:
    void stream(GsfOutfile* dir, const std::string& name, const std::string& bytes) {
        OutputPtr child(gsf_outfile_new_child(dir, name.c_str(), FALSE));
        if (!child) {
            fail("cannot create stream " + name);
            return;
        }
        constexpr size_t kChunk = 1 << 16;
        for (size_t at = 0; at < bytes.size() && m_ok; at += kChunk) {
            size_t n = std::min(kChunk, bytes.size() - at);
            if (!gsf_output_write(child.get(), n,
                                  reinterpret_cast<const guint8*>(bytes.data() + at)))
                fail(error_of(child.get(), "stream " + name));
        }
        close(child.get(), name);
    }

    // A stream whose bytes `source` gives a piece at a time; returns how many it wrote. A
    // value stream holds at most 4 GiB - 1 (its size is a 32-bit property).
    uint64_t stream_from(GsfOutfile* dir, const std::string& name, AttachmentSource& source) {
        OutputPtr child(gsf_outfile_new_child(dir, name.c_str(), FALSE));
        if (!child) {
            fail("cannot create stream " + name);
            return 0;
        }
        uint64_t written = 0;
        auto copied = source.copy_to([&](std::string_view piece) {
            written += piece.size();
            if (written > std::numeric_limits<uint32_t>::max()) {
                fail("an attachment of 4 GiB or more does not fit a .msg");
                return false;
            }
            if (!gsf_output_write(child.get(), piece.size(),
                                  reinterpret_cast<const guint8*>(piece.data()))) {
                fail(error_of(child.get(), "stream " + name));
                return false;
            }
            return true;
        });
        if (!copied)
            fail(copied.error().message);
        close(child.get(), name);
        return written;
    }

    // A child storage, to be closed with close().
    OutputPtr storage(GsfOutfile* dir, const std::string& name) {
        OutputPtr child(gsf_outfile_new_child(dir, name.c_str(), TRUE));
        if (!child)
            fail("cannot create storage " + name);
        return child;
    }

    void close(GsfOutput* out, const std::string& what) {
        if (out && !gsf_output_is_closed(out) && !gsf_output_close(out))
            fail(error_of(out, what));
    }

    void bag(GsfOutfile* dir, const PropertyBag& props, PropertyOwner owner,
             uint32_t recipients = 0, uint32_t attachments = 0) {
        for (const auto& s : props.streams())
            stream(dir, s.name, s.bytes);
        stream(dir, "__properties_version1.0",
               props.property_stream(owner, recipients, attachments));
    }

    void fail(std::string why) {
        if (m_ok)
            m_error = std::move(why);
        m_ok = false;
    }
    bool ok() const { return m_ok; }
    const std::string& error() const { return m_error; }

  private:
    static std::string error_of(GsfOutput* out, const std::string& what) {
        const GError* e = gsf_output_error(out);
        return what + ": " + (e && e->message ? e->message : "write failed");
    }

    bool m_ok = true;
    std::string m_error;
};

std::string joined_names(const MailContent& c, RecipientKind kind) {
    std::string out;
    for (const auto& r : c.recipients) {
        if (r.kind != kind)
            continue;
        if (!out.empty())
            out += "; ";
        out += r.mailbox.name.empty() ? r.mailbox.address : r.mailbox.name;
    }
    return out;
}

std::string extension_of(const std::string& filename) {
    size_t dot = filename.rfind('.');
    return dot == std::string::npos ? "" : filename.substr(dot);
}

void message_properties(const MailContent& c, PropertyBag& p) {
    p.add_string(kMessageClass, c.message_class);
    p.add_string(kSubject, c.subject);
    const auto [prefix, topic] = split_subject_prefix(c.subject);
    p.add_string(kSubjectPrefix, prefix);
    p.add_string(kNormalizedSubject, topic);
    p.add_string(kConversationTopic, topic);
    if (!c.conversation_index.empty())
        p.add_binary(kConversationIndex, c.conversation_index);
    if (c.importance)
        p.add_int32(kImportance, *c.importance);
    if (c.priority)
        p.add_int32(kPriority, static_cast<uint32_t>(*c.priority));
    if (!c.reply_to.empty()) {
        std::string names;
        std::vector<std::string> entries;
        for (const auto& m : c.reply_to) {
            names += (names.empty() ? "" : "; ") + (m.name.empty() ? m.address : m.name);
            entries.push_back(one_off_entry_id(m));
        }
        p.add_string(kReplyRecipientNames, names);
        p.add_binary(kReplyRecipientEntries, flat_entry_list(entries));
    }
    if (c.from) {
        const Mailbox& f = *c.from;
        const std::string& name = f.name.empty() ? f.address : f.name;
        p.add_string(kSenderName, name);
        p.add_string(kSenderAddressType, "SMTP");
        p.add_string(kSenderEmailAddress, f.address);
        p.add_string(kSenderSmtpAddress, f.address);
        p.add_string(kSentRepresentingName, name);
        p.add_string(kSentRepresentingAddressType, "SMTP");
        p.add_string(kSentRepresentingEmailAddress, f.address);
        p.add_string(kSentRepresentingSmtpAddress, f.address);
    }
    p.add_string(kDisplayTo, joined_names(c, RecipientKind::To));
    p.add_string(kDisplayCc, joined_names(c, RecipientKind::Cc));
    p.add_string(kDisplayBcc, joined_names(c, RecipientKind::Bcc));
    if (c.sent)
        p.add_time(kClientSubmitTime, *c.sent);
    if (c.received) {
        p.add_time(kMessageDeliveryTime, *c.received);
        // The .msg stands for the message as it arrived: created and last changed then.
        p.add_time(kCreationTime, *c.received);
        p.add_time(kLastModificationTime, *c.received);
    }
    if (!c.message_id.empty())
        p.add_string(kInternetMessageId, c.message_id);
    if (!c.in_reply_to.empty())
        p.add_string(kInReplyToId, c.in_reply_to);
    if (!c.references.empty())
        p.add_string(kInternetReferences, c.references);
    p.add_string(kTransportMessageHeaders, c.transport_headers);
    p.add_string(kBody, c.body_text);
    if (!c.body_html.empty())
        p.add_binary(kHtml, c.body_html);  // UTF-8 bytes, as PidTagInternetCodepage says
    p.add_int32(kInternetCodepage, kCodepageUtf8);
    p.add_int32(kMessageFlags, kMsgFlagRead | (c.attachments.empty() ? 0 : kMsgFlagHasAttach));
    p.add_bool(kHasAttachments, !c.attachments.empty());
    p.add_int32(kStoreSupportMask, kStoreUnicodeOk);
}

void recipient_properties(const Recipient& r, uint32_t row, PropertyBag& p) {
    p.add_int32(kRecipientType, static_cast<uint32_t>(r.kind));
    p.add_int32(kRowid, row);
    p.add_int32(kObjectType, kMapiMailUser);
    p.add_int32(kDisplayType, 0);  // DT_MAILUSER
    p.add_string(kDisplayName, r.mailbox.name.empty() ? r.mailbox.address : r.mailbox.name);
    p.add_string(kAddressType, "SMTP");
    p.add_string(kEmailAddress, r.mailbox.address);
    p.add_string(kSmtpAddress, r.mailbox.address);
}

// `streamed_size`: the size of the data stream already written from a.source (else a.data is
// added to the bag).
void attachment_properties(MailAttachment& a, uint32_t number, uint32_t streamed_size,
                           PropertyBag& p) {
    const std::string name = !a.filename.empty() ? a.filename
                             : a.message && !a.message->subject.empty()
                                 ? a.message->subject
                                 : "attachment-" + std::to_string(number + 1);
    p.add_int32(kAttachNumber, number);
    p.add_int32(kObjectType, kMapiAttach);
    p.add_int32(kRenderingPosition, 0xFFFFFFFFu);  // not rendered at a position in the body
    p.add_string(kDisplayName, name);
    p.add_string(kAttachMimeTag, a.mime_type);
    if (a.message) {
        p.add_int32(kAttachMethod, kAttachEmbeddedMsg);
        p.add_object(kAttachDataBinary);
        return;
    }
    p.add_int32(kAttachMethod, kAttachByValue);
    const auto size = a.source ? streamed_size : static_cast<uint32_t>(a.data.size());
    p.add_int32(kAttachSize, size);
    p.add_string(kAttachFilename, name);
    p.add_string(kAttachLongFilename, name);
    p.add_string(kAttachExtension, extension_of(name));
    if (!a.content_id.empty())
        p.add_string(kAttachContentId, a.content_id);
    p.add_int32(kAttachFlags, a.is_inline ? kAttRenderedInBody : 0);
    p.add_bool(kAttachmentHidden, a.is_inline && !a.content_id.empty());
    if (a.source)
        p.add_binary_written(kAttachDataBinary, size);
    else
        p.add_binary(kAttachDataBinary, std::move(a.data));  // held once: moved, not copied
}

std::string numbered(const char* prefix, uint32_t n) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%08X", prefix, n);
    return buf;
}

// A message's streams and storages into `dir` (the root, or an embedded message's storage).
void write_message(OleWriter& w, GsfOutfile* dir, MailContent& c, PropertyOwner owner) {
    PropertyBag props;
    message_properties(c, props);
    if (owner == PropertyOwner::TopMessage) {
        // MS-OXMSG 2.2.3: the named property mapping storage; we define no named properties,
        // but readers expect its three streams.
        OutputPtr nameid = w.storage(dir, "__nameid_version1.0");
        if (nameid) {
            for (const char* s :
                 {"__substg1.0_00020102", "__substg1.0_00030102", "__substg1.0_00040102"})
                w.stream(GSF_OUTFILE(nameid.get()), s, "");
            w.close(nameid.get(), "__nameid_version1.0");
        }
    }
    const auto recipients = static_cast<uint32_t>(c.recipients.size());
    const auto attachments = static_cast<uint32_t>(c.attachments.size());
    w.bag(dir, props, owner, recipients, attachments);
    for (uint32_t i = 0; i < recipients && w.ok(); ++i) {
        std::string name = numbered("__recip_version1.0_#", i);
        OutputPtr sub = w.storage(dir, name);
        if (!sub)
            return;
        PropertyBag rp;
        recipient_properties(c.recipients[i], i, rp);
        w.bag(GSF_OUTFILE(sub.get()), rp, PropertyOwner::RecipientOrAttachment);
        w.close(sub.get(), name);
    }
    for (uint32_t i = 0; i < attachments && w.ok(); ++i) {
        MailAttachment& a = c.attachments[i];
        std::string name = numbered("__attach_version1.0_#", i);
        OutputPtr sub = w.storage(dir, name);
        if (!sub)
            return;
        // A streamed attachment's value stream goes first: its size is known once written.
        uint32_t streamed_size = 0;
        if (a.source && !a.message)
            streamed_size = static_cast<uint32_t>(
                w.stream_from(GSF_OUTFILE(sub.get()),
                              substream_name(kAttachDataBinary, PropType::Binary), *a.source));
        PropertyBag ap;
        attachment_properties(a, i, streamed_size, ap);
        w.bag(GSF_OUTFILE(sub.get()), ap, PropertyOwner::RecipientOrAttachment);
        if (a.message) {
            const std::string inner_name = substream_name(kAttachDataBinary, PropType::Object);
            OutputPtr inner = w.storage(GSF_OUTFILE(sub.get()), inner_name);
            if (!inner)
                return;
            gsf_outfile_msole_set_class_id(GSF_OUTFILE_MSOLE(inner.get()), kMessageClsid);
            write_message(w, GSF_OUTFILE(inner.get()), *a.message, PropertyOwner::EmbeddedMessage);
            w.close(inner.get(), inner_name);
        }
        w.close(sub.get(), name);
    }
}

void init_gsf() {
    static std::once_flag once;
    std::call_once(once, [] { gsf_init(); });
}

}  // namespace

Result<void> write_msg(MailContent content, const std::string& path) {
    init_gsf();
    FILE* file = std::fopen(path.c_str(), "w+b");
    if (!file)
        return write_error(path, "cannot open");
    // keep_open FALSE: the GsfOutput closes `file`.
    OutputPtr sink(gsf_output_stdio_new_FILE(path.c_str(), file, FALSE));
    if (!sink) {
        std::fclose(file);
        return write_error(path, "libgsf cannot use the file");
    }
    OutputPtr root(GSF_OUTPUT(gsf_outfile_msole_new(sink.get())));
    if (!root)
        return write_error(path, "libgsf cannot start a compound file");
    gsf_outfile_msole_set_class_id(GSF_OUTFILE_MSOLE(root.get()), kMessageClsid);
    OleWriter w;
    write_message(w, GSF_OUTFILE(root.get()), content, PropertyOwner::TopMessage);
    w.close(root.get(), "the compound file");
    w.close(sink.get(), "the file");
    if (!w.ok())
        return write_error(path, w.error());
    return {};
}

Result<void> convert_eml_to_msg(const std::string& eml_path, const std::string& msg_path) {
    // One conversion at a time in the process, so that the memory bound of one (eml_reader.hpp)
    // is the bound of all, whatever the number of connections converting.
    static std::mutex one_at_a_time;
    std::lock_guard lock(one_at_a_time);
    IMM_ASSIGN(auto content, read_eml(eml_path));
    return write_msg(std::move(content), msg_path);
}

}  // namespace imapmirror::outlook
