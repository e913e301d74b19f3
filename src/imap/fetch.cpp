#include "imap/fetch.hpp"

#include "imap/mutf7.hpp"

namespace imapmirror::imap {

bool is_fetch(const Response& r) {
    return r.numbered_name() == "FETCH";
}

const FetchSection* FetchData::section(std::string_view name) const {
    for (const auto& s : sections)
        if (iequals(s.name, name))
            return &s;
    return nullptr;
}

namespace {

// https://developers.google.com/gmail/imap/imap-extensions#access_to_gmail_labels_x-gm-labels:
// a list of astrings, e.g. (\Inbox \Sent Important "Muy Importante" "&AOQ-rger").
core::Result<std::vector<std::string>> parse_gm_labels(const Value& val, bool& cut) {
    if (!val.is_list()) {
        auto e = core::make_error(core::ErrorKind::Parse,
                                  "malformed FETCH response: X-GM-LABELS is not a list");
        return e;
    }
    std::vector<std::string> labels;
    for (const auto& label : val.items) {
        if (labels.size() == kMaxGmLabels) {
            cut = true;
            break;
        }
        if (!label.is_text()) {
            return core::make_error(core::ErrorKind::Parse,
                                    "malformed FETCH response: an X-GM-LABELS entry is not a "
                                    "string");
        }
        if (!label.text.empty() && label.text[0] == '\\') {
            labels.push_back(label.text);
            continue;
        }
        auto decoded = mutf7_decode(label.text);
        labels.push_back(decoded ? *decoded : label.text);
    }
    return labels;
}

}  // namespace

core::Result<FetchData> parse_fetch(const Response& r) {
    auto bad = [&](const std::string& what) {
        auto e = core::make_error(core::ErrorKind::Parse, "malformed FETCH response: " + what);
        e.server_reply = r.summary();
        return e;
    };
    if (!is_fetch(r) || r.data.size() < 3 || !r.data[2].is_list())
        return bad("no item list");
    FetchData f;
    auto seq = r.number();
    if (!seq || *seq == 0 || *seq > UINT32_MAX)
        return bad("sequence number");
    f.seq = static_cast<uint32_t>(*seq);
    const auto& items = r.data[2].items;
    if (items.size() % 2 != 0)
        return bad("odd number of items");
    for (size_t i = 0; i + 1 < items.size(); i += 2) {
        const Value& key = items[i];
        const Value& val = items[i + 1];
        if (!key.is_atom())
            return bad("item name is not an atom");
        const std::string name = ascii_upper(key.text);
        if (name == "UID") {
            auto n = val.number();
            if (!n || *n == 0 || *n > UINT32_MAX)
                return bad("UID");
            f.uid = static_cast<uint32_t>(*n);
        } else if (name == "FLAGS") {
            if (!val.is_list())
                return bad("FLAGS");
            std::vector<std::string> flags;
            for (const auto& fl : val.items) {
                if (!fl.is_atom())
                    return bad("FLAGS");
                flags.push_back(fl.text);
            }
            f.flags = std::move(flags);
        } else if (name == "INTERNALDATE") {
            if (!val.is_string())
                return bad("INTERNALDATE");
            f.internal_date = val.text;
        } else if (name == "RFC822.SIZE") {
            auto n = val.number();
            if (!n)
                return bad("RFC822.SIZE");
            f.size = n;
        } else if (name == "MODSEQ") {
            if (!val.is_list() || val.items.size() != 1 || !val.items[0].number())
                return bad("MODSEQ");
            f.modseq = val.items[0].number();
        } else if (name == "X-GM-MSGID") {
            f.gm_msgid = val.number();
        } else if (name == "X-GM-THRID") {
            f.gm_thrid = val.number();
        } else if (name == "X-GM-LABELS") {
            IMM_ASSIGN(f.gm_labels, parse_gm_labels(val, f.gm_labels_cut));
        } else if (name == "ENVELOPE") {
            IMM_ASSIGN(f.envelope, parse_envelope(val));
        } else if (name == "BODYSTRUCTURE" || name == "BODY") {
            IMM_ASSIGN(f.body_structure, parse_body_structure(val));
        } else if (name.rfind("BODY[", 0) == 0 || name.rfind("BINARY[", 0) == 0 ||
                   name.rfind("RFC822", 0) == 0) {
            if (!val.is_string() && !val.is_nil() && val.type != Value::Type::Streamed &&
                !val.is_atom())
                return bad(key.text);
            f.sections.push_back(FetchSection{key.text, &val});
        }
        // Other items (PREVIEW, SAVEDATE...) are not needed; skipped.
    }
    return f;
}

}  // namespace imapmirror::imap
