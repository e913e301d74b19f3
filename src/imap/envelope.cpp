#include "imap/envelope.hpp"

namespace imapmirror::imap {

std::string Address::email() const {
    return host.empty() ? mailbox : mailbox + "@" + host;
}

namespace {
core::Error bad() {
    return core::make_error(core::ErrorKind::Parse, "malformed ENVELOPE");
}

std::string text_or_empty(const Value& v) {
    return v.nstring().value_or("");
}

core::Result<std::vector<Address>> parse_addresses(const Value& v) {
    std::vector<Address> out;
    if (v.is_nil())
        return out;
    if (!v.is_list())
        return bad();
    for (const auto& a : v.items) {
        if (!a.is_list() || a.items.size() != 4)
            return bad();
        // Group syntax (RFC 3501: host NIL marks group start/end) carries no address.
        if (a.items[3].is_nil())
            continue;
        Address addr;
        addr.name = text_or_empty(a.items[0]);
        addr.mailbox = text_or_empty(a.items[2]);
        addr.host = text_or_empty(a.items[3]);
        out.push_back(std::move(addr));
    }
    return out;
}
}  // namespace

core::Result<Envelope> parse_envelope(const Value& v) {
    if (!v.is_list() || v.items.size() < 10)
        return bad();
    const auto& i = v.items;
    Envelope e;
    e.date = text_or_empty(i[0]);
    e.subject = text_or_empty(i[1]);
    IMM_ASSIGN(e.from, parse_addresses(i[2]));
    IMM_ASSIGN(e.sender, parse_addresses(i[3]));
    IMM_ASSIGN(e.reply_to, parse_addresses(i[4]));
    IMM_ASSIGN(e.to, parse_addresses(i[5]));
    IMM_ASSIGN(e.cc, parse_addresses(i[6]));
    IMM_ASSIGN(e.bcc, parse_addresses(i[7]));
    e.in_reply_to = text_or_empty(i[8]);
    e.message_id = text_or_empty(i[9]);
    return e;
}

}  // namespace imapmirror::imap
