#include "outlook/outlook_fields.hpp"

#include <glib.h>

#include <cctype>

#include "outlook/property_stream.hpp"

namespace imapmirror::outlook {

namespace {

// ASCII lower case, surrounding white space and any "; comment" or "(comment)" dropped.
std::string word_of(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == ';' || c == '(')
            break;
        if (!std::isspace(static_cast<unsigned char>(c)))
            out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

void put_u32_le(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// Lower-cased lines of `text` that begin with `name` ("action:"), their values.
std::vector<std::string> field_values(std::string_view text, std::string_view name) {
    std::vector<std::string> out;
    size_t at = 0;
    while (at < text.size()) {
        size_t end = text.find('\n', at);
        if (end == std::string_view::npos)
            end = text.size();
        std::string line;
        for (char c : text.substr(at, end - at))
            line.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        if (line.compare(0, name.size(), name) == 0)
            out.push_back(line.substr(name.size()));
        at = end + 1;
    }
    return out;
}

}  // namespace

std::optional<uint32_t> importance_of(std::string_view importance, std::string_view x_priority,
                                      std::string_view priority) {
    const std::string i = word_of(importance);
    if (i == "high")
        return 2;
    if (i == "normal")
        return 1;
    if (i == "low")
        return 0;
    const std::string x = word_of(x_priority);
    if (!x.empty() && x[0] >= '1' && x[0] <= '5')
        return x[0] <= '2' ? 2u : x[0] == '3' ? 1u : 0u;
    const std::string p = word_of(priority);
    if (p == "urgent")
        return 2;
    if (p == "normal")
        return 1;
    if (p == "non-urgent")
        return 0;
    return std::nullopt;
}

std::optional<int32_t> priority_of(std::string_view priority, std::optional<uint32_t> importance) {
    const std::string p = word_of(priority);
    if (p == "urgent")
        return 1;
    if (p == "normal")
        return 0;
    if (p == "non-urgent")
        return -1;
    if (!importance)
        return std::nullopt;
    return static_cast<int32_t>(*importance) - 1;
}

std::pair<std::string, std::string> split_subject_prefix(std::string_view subject) {
    const size_t colon = subject.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 3 || colon + 1 >= subject.size() ||
        subject[colon + 1] != ' ')
        return {"", std::string(subject)};
    for (size_t i = 0; i < colon; ++i)
        if (std::isspace(static_cast<unsigned char>(subject[i])))
            return {"", std::string(subject)};
    return {std::string(subject.substr(0, colon + 2)), std::string(subject.substr(colon + 2))};
}

std::string conversation_index(std::string_view thread_index_header, std::string_view thread_root,
                               std::optional<int64_t> sent) {
    if (!thread_index_header.empty()) {
        std::string b64(thread_index_header);
        gsize n = 0;
        guchar* bytes = g_base64_decode(b64.c_str(), &n);
        std::string decoded(reinterpret_cast<const char*>(bytes), n);
        g_free(bytes);
        if (decoded.size() >= 22 && (decoded.size() - 22) % 5 == 0 && decoded[0] == 0x01)
            return decoded;
    }
    std::string out(1, '\x01');
    const uint64_t ft = filetime(sent.value_or(0));
    for (int shift = 56; shift >= 24; shift -= 8)  // the top 40 bits, most significant first
        out.push_back(static_cast<char>((ft >> shift) & 0xFF));
    GChecksum* sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, reinterpret_cast<const guchar*>(thread_root.data()),
                      static_cast<gssize>(thread_root.size()));
    guint8 digest[32];
    gsize len = sizeof digest;
    g_checksum_get_digest(sum, digest, &len);
    g_checksum_free(sum);
    out.append(reinterpret_cast<const char*>(digest), 16);
    return out;
}

std::string message_class_of(std::string_view type, std::string_view subtype,
                             std::string_view report_type, std::string_view report_fields) {
    if (type == "multipart" && subtype == "signed")
        return "IPM.Note.SMIME.MultipartSigned";
    if (type == "application" && (subtype == "pkcs7-mime" || subtype == "x-pkcs7-mime"))
        return "IPM.Note.SMIME";
    if (type == "multipart" && subtype == "report") {
        const std::string kind = word_of(report_type);
        if (kind == "delivery-status") {
            for (const auto& action : field_values(report_fields, "action:"))
                if (word_of(action) == "failed")
                    return "REPORT.IPM.Note.NDR";
            return "REPORT.IPM.Note.DR";
        }
        if (kind == "disposition-notification") {
            for (const auto& d : field_values(report_fields, "disposition:"))
                if (d.find("deleted") != std::string::npos)
                    return "REPORT.IPM.Note.IPNNRN";
            return "REPORT.IPM.Note.IPNRN";
        }
    }
    return "IPM.Note";
}

std::string one_off_entry_id(const Mailbox& mailbox) {
    static const unsigned char kOneOffUid[16] = {0x81, 0x2B, 0x1F, 0xA4, 0xBE, 0xA3, 0x10, 0x19,
                                                 0x9D, 0x6E, 0x00, 0xDD, 0x01, 0x0F, 0x54, 0x02};
    constexpr uint16_t kUnicode = 0x8000, kNoRichInfo = 0x0001;  // MAPIDEFS.H
    std::string out(4, '\0');                                    // long-term: flags zero
    out.append(reinterpret_cast<const char*>(kOneOffUid), sizeof kOneOffUid);
    out.append(2, '\0');  // version
    const uint16_t flags = kUnicode | kNoRichInfo;
    out.push_back(static_cast<char>(flags & 0xFF));
    out.push_back(static_cast<char>(flags >> 8));
    for (const std::string& s : {mailbox.name.empty() ? mailbox.address : mailbox.name,
                                 std::string("SMTP"), mailbox.address}) {
        out += utf16le(s);
        out.append(2, '\0');  // each string ends with a UTF-16 NUL
    }
    return out;
}

std::string flat_entry_list(const std::vector<std::string>& entry_ids) {
    std::string entries;
    for (const auto& id : entry_ids) {
        put_u32_le(entries, static_cast<uint32_t>(id.size()));
        entries += id;
        entries.append((4 - id.size() % 4) % 4, '\0');
    }
    std::string out;
    put_u32_le(out, static_cast<uint32_t>(entry_ids.size()));
    put_u32_le(out, static_cast<uint32_t>(entries.size()));
    return out + entries;
}

}  // namespace imapmirror::outlook
