#include "imap/response.hpp"

namespace imapmirror::imap {

namespace {
void append_value(std::string& out, const Value& v) {
    switch (v.type) {
        case Value::Type::Atom:
            out += v.text;
            break;
        case Value::Type::Nil:
            out += "NIL";
            break;
        case Value::Type::String:
            if (v.text.size() > 64)
                out += "{" + std::to_string(v.text.size()) + "}";
            else
                out += "\"" + v.text + "\"";
            break;
        case Value::Type::Streamed:
            out += "{" + std::to_string(v.literal_size) + "}";
            break;
        case Value::Type::List:
            out += '(';
            for (size_t i = 0; i < v.items.size(); ++i) {
                if (i)
                    out += ' ';
                append_value(out, v.items[i]);
            }
            out += ')';
            break;
    }
}
}  // namespace

std::string Response::numbered_name() const {
    if (data.size() >= 2 && data[0].number() && data[1].is_atom())
        return ascii_upper(data[1].text);
    return {};
}

std::optional<uint64_t> Response::number() const {
    if (data.empty())
        return std::nullopt;
    return data[0].number();
}

std::string Response::data_name() const {
    if (!data.empty() && data[0].is_atom() && !data[0].number())
        return ascii_upper(data[0].text);
    return {};
}

std::string Response::summary() const {
    std::string out;
    if (kind == ResponseKind::Continuation)
        return "+ " + text;
    out = kind == ResponseKind::Tagged ? tag : "*";
    if (is_status()) {
        out += " " + status;
        if (code)
            out += " [" + code->name + (code->args.empty() ? "" : " " + code->args) + "]";
        if (!text.empty())
            out += " " + text;
        return out;
    }
    for (const auto& v : data) {
        out += ' ';
        append_value(out, v);
    }
    if (out.size() > 300)
        out = out.substr(0, 297) + "...";
    return out;
}

}  // namespace imapmirror::imap
