#include "imap/body_structure.hpp"

#include "core/attachment_rule.hpp"

namespace imapmirror::imap {

using core::ErrorKind;
using core::make_error;

namespace {

struct Walker {
    StructureLimits limits;
    size_t parts = 0;

    core::Error bad(const char* what) {
        return make_error(ErrorKind::Parse, std::string("malformed BODYSTRUCTURE: ") + what);
    }

    core::Result<Params> params(const Value& v) {
        Params out;
        if (v.is_nil())
            return out;
        if (!v.is_list() || v.items.size() % 2 != 0)
            return bad("parameter list");
        for (size_t i = 0; i + 1 < v.items.size(); i += 2) {
            if (!v.items[i].is_text())
                return bad("parameter name");
            out.emplace_back(ascii_lower(v.items[i].text), v.items[i + 1].nstring().value_or(""));
        }
        return out;
    }

    // body-ext: disposition is the first extension for multiparts, the second for leaves.
    core::Result<void> disposition(const Value& v, BodyPart& p) {
        if (v.is_nil() || (v.is_list() && v.items.empty()))
            return {};
        if (!v.is_list() || v.items.empty())
            return {};  // lenient: odd servers put a string here
        p.disposition = ascii_lower(v.items[0].nstring().value_or(""));
        if (v.items.size() > 1) {
            IMM_ASSIGN(p.disposition_params, params(v.items[1]));
        }
        return {};
    }

    static BodyPart malformed(const std::string& number) {
        BodyPart p;
        p.part = number.empty() ? "1" : number;
        p.type = "application";
        p.subtype = "octet-stream";
        p.malformed = true;
        return p;
    }

    static std::string child_number(const std::string& parent, size_t index) {
        auto n = std::to_string(index + 1);
        return parent.empty() ? n : parent + "." + n;
    }

    core::Result<BodyPart> body(const Value& v, std::string number, size_t depth) {
        if (depth > limits.max_depth)
            return make_error(ErrorKind::Limit, "MIME nesting too deep");
        if (++parts > limits.max_parts)
            return make_error(ErrorKind::Limit, "too many MIME parts");
        // Below the top, a part we cannot read costs only itself: the rest is still shown.
        if (depth > 0 &&
            (!v.is_list() || v.items.empty() || (!v.items[0].is_list() && v.items.size() < 7)))
            return malformed(number);
        if (!v.is_list() || v.items.empty())
            return bad("body is not a list");
        const auto& it = v.items;
        BodyPart p;
        if (it[0].is_list()) {
            // multipart: children, then subtype, then extensions
            p.type = "multipart";
            p.part = number;
            size_t i = 0;
            for (; i < it.size() && it[i].is_list(); ++i) {
                IMM_ASSIGN(auto child, body(it[i], child_number(number, i), depth + 1));
                p.children.push_back(std::move(child));
            }
            p.subtype = i < it.size() ? ascii_lower(it[i].nstring().value_or("mixed")) : "mixed";
            if (i + 1 < it.size()) {
                IMM_ASSIGN(p.params, params(it[i + 1]));
            }
            if (i + 2 < it.size())
                IMM_TRY(disposition(it[i + 2], p));
            return p;
        }
        if (it.size() < 7)
            return bad("too few body fields");
        p.part = number.empty() ? "1" : number;
        p.type = ascii_lower(it[0].nstring().value_or("application"));
        p.subtype = ascii_lower(it[1].nstring().value_or("octet-stream"));
        IMM_ASSIGN(p.params, params(it[2]));
        p.id = it[3].nstring().value_or("");
        p.description = it[4].nstring().value_or("");
        p.encoding = ascii_lower(it[5].nstring().value_or("7bit"));
        p.size = it[6].number().value_or(0);
        size_t ext = 7;
        if (p.type == "text") {
            ext = 8;  // body-fld-lines
        } else if (p.type == "message" && (p.subtype == "rfc822" || p.subtype == "global") &&
                   it.size() >= 10 && it[8].is_list()) {
            // envelope, body, lines. The inner body's parts number below this part: a
            // multipart's children as N.1, N.2 ...; any other body is N.1 itself, numbered so
            // before its own children are (RFC 3501 §6.4.5).
            const bool inner_multipart = !it[8].items.empty() && it[8].items[0].is_list();
            IMM_ASSIGN(auto inner,
                       body(it[8], inner_multipart ? p.part : p.part + ".1", depth + 1));
            p.children.push_back(std::move(inner));
            ext = 10;
        }
        // ext: md5, then disposition
        if (ext + 1 < it.size())
            IMM_TRY(disposition(it[ext + 1], p));
        return p;
    }
};

bool has_file_name(const BodyPart& p) {
    for (const auto& [k, v] : p.disposition_params)
        if (k.rfind("filename", 0) == 0)
            return true;
    for (const auto& [k, v] : p.params)
        if (k == "name" || k.rfind("name*", 0) == 0)
            return true;
    return false;
}

void collect(const BodyPart& p, const BodyPart* parent, std::vector<const BodyPart*>& out) {
    if (p.malformed)
        return;  // nothing known about it, not even whether it is an attachment
    if (p.is_multipart()) {
        for (const auto& c : p.children)
            collect(c, &p, out);
        return;
    }
    if (core::is_attachment_part(p.type, p.subtype, p.disposition, has_file_name(p),
                                 parent ? std::string_view(parent->subtype) : std::string_view()))
        out.push_back(&p);
}

}  // namespace

std::string BodyPart::param(const Params& params, std::string_view name) {
    for (const auto& [k, v] : params)
        if (k == name)
            return v;
    return {};
}

core::Result<BodyPart> parse_body_structure(const Value& v, StructureLimits limits) {
    Walker w{limits};
    return w.body(v, "", 0);
}

std::vector<const BodyPart*> attachment_parts(const BodyPart& root) {
    std::vector<const BodyPart*> out;
    collect(root, nullptr, out);
    return out;
}

}  // namespace imapmirror::imap
