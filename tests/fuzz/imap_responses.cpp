// Fuzz target: what the client makes of parsed responses. The input is server bytes; every
// response the parser yields goes through each interpreter that could be asked about it:
// FETCH (with ENVELOPE and BODYSTRUCTURE), LIST, STATUS, SEARCH/ESEARCH, VANISHED, CAPABILITY,
// and the mailbox state of EXAMINE. Top-level lists are also read directly as a BODYSTRUCTURE
// and an ENVELOPE, so the fuzzer need not find the FETCH wrapping first.
//
// Checked beyond "no crash": FETCH sequence numbers and UIDs are never 0; sections are never
// lists; BODYSTRUCTURE part numbers are well formed and nest ("1.2" under "1");
// attachments are leaves; a decoded LIST name is valid UTF-8 and survives a mUTF-7 round trip,
// an undecoded one is the raw name; capability atoms are upper-cased.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "imap/fetch.hpp"
#include "imap/mutf7.hpp"
#include "imap/response_parser.hpp"
#include "imap/responses.hpp"

using namespace imapmirror;
using fuzz::check;

namespace {

bool is_part_number(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.')
        return false;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.' ? s[i - 1] == '.' : (s[i] < '0' || s[i] > '9'))
            return false;
        bool starts_number = i == 0 || s[i - 1] == '.';
        if (starts_number && s[i] == '0')
            return false;
    }
    return true;
}

void check_parts(const imap::BodyPart& p, const std::string& parent, bool top) {
    if (top && p.is_multipart())
        check(p.part.empty() || is_part_number(p.part), "bad top multipart part number");
    else
        check(is_part_number(p.part), "bad BODYSTRUCTURE part number");
    // A multipart inside a message/rfc822 part takes that part's number (RFC 3501 §6.4.5).
    if (!parent.empty())
        check(p.part.rfind(parent + ".", 0) == 0 || (p.is_multipart() && p.part == parent),
              "a part not numbered under its parent");
    for (const auto& c : p.children)
        check_parts(c, p.part, false);
}

void check_structure(const imap::BodyPart& root) {
    check_parts(root, "", true);
    for (const imap::BodyPart* a : imap::attachment_parts(root))
        check(a != nullptr && !a->is_multipart(), "a multipart listed as an attachment");
}

void check_fetch(const imap::Response& r) {
    auto f = imap::parse_fetch(r);
    if (!f)
        return;
    check(f->seq != 0, "FETCH sequence number 0 accepted");
    check(!f->uid || *f->uid != 0, "FETCH UID 0 accepted");
    for (const auto& s : f->sections) {
        auto t = s.value->type;
        // fetch.cpp also takes an atom (a lenient reading), though fetch.hpp says otherwise.
        check(t == imap::Value::Type::String || t == imap::Value::Type::Nil ||
                  t == imap::Value::Type::Streamed || t == imap::Value::Type::Atom,
              "a FETCH section that is a list");
        check(f->section(s.name) != nullptr, "a section not found by its own name");
    }
    if (f->body_structure)
        check_structure(*f->body_structure);
}

void check_list(const imap::Response& r) {
    auto e = imap::parse_list(r);
    if (!e)
        return;
    e->selectable();
    e->special_use();
    if (!e->name_decoded) {
        check(e->name == e->raw_name, "an undecoded LIST name is not the raw name");
        return;
    }
    check(fuzz::is_valid_utf8(e->name), "a decoded LIST name is not valid UTF-8");
    auto again = imap::mutf7_encode(e->name);
    check(again.ok(), "a decoded LIST name does not encode back");
    auto back = imap::mutf7_decode(*again);
    check(back.ok() && *back == e->name, "a LIST name does not survive a mUTF-7 round trip");
}

void check_capability(const imap::Capabilities& caps) {
    for (const auto& a : caps.atoms)
        check(a == imap::ascii_upper(a), "a capability atom not upper-cased");
}

void interpret(const imap::Response& r, imap::MailboxState& state) {
    (void)r.summary();
    if (r.code && r.code->name == "CAPABILITY")
        check_capability(imap::parse_capability_atoms(r.code->args));
    if (r.kind == imap::ResponseKind::Untagged)
        state.absorb(r);
    if (imap::is_fetch(r))
        check_fetch(r);
    const std::string name = r.data_name();
    if (name == "LIST" || name == "LSUB")
        check_list(r);
    else if (name == "STATUS")
        (void)imap::parse_status(r);
    else if (name == "SEARCH" || name == "ESEARCH")
        (void)imap::parse_search(r);
    else if (name == "VANISHED")
        (void)imap::parse_vanished(r);
    else if (name == "CAPABILITY") {
        auto caps = imap::parse_capability(r);
        if (caps)
            check_capability(*caps);
    }
    for (const auto& v : r.data) {
        if (!v.is_list())
            continue;
        if (auto s = imap::parse_body_structure(v))
            check_structure(*s);
        (void)imap::parse_envelope(v);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    imap::ResponseParser parser;
    imap::MailboxState state;
    (void)parser.feed(bytes, [&](imap::Response&& r) -> core::Result<void> {
        interpret(r, state);
        return {};
    });
    return 0;
}
