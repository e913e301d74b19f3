#include "imap/response_parser.hpp"

#include <algorithm>
#include <cstring>

namespace imapmirror::imap {

using core::ErrorKind;
using core::Result;

namespace {

bool is_status_word(std::string_view w, bool tagged) {
    if (iequals(w, "OK") || iequals(w, "NO") || iequals(w, "BAD"))
        return true;
    return !tagged && (iequals(w, "PREAUTH") || iequals(w, "BYE"));
}

// Reads a space-delimited word at pos (for the tag, "*", status words, "5 EXISTS").
std::string_view next_word(std::string_view line, size_t& pos) {
    while (pos < line.size() && line[pos] == ' ')
        ++pos;
    size_t start = pos;
    while (pos < line.size() && line[pos] != ' ')
        ++pos;
    return line.substr(start, pos - start);
}

}  // namespace

ResponseParser::ResponseParser(ParserLimits limits) : m_limits(limits) {}

void ResponseParser::set_literal_router(LiteralRouter router) {
    m_router = std::move(router);
    // The old router's sink may be gone as soon as its owner returns: never touch it again.
    if (m_in_literal && m_sink)
        m_discard_literal = true;
    m_sink = nullptr;
}

Result<void> ResponseParser::hold(size_t bytes) {
    m_held += bytes;
    if (m_held > m_limits.max_response_bytes)
        return fail(ErrorKind::Limit, "a server response holds more than " +
                                          std::to_string(m_limits.max_response_bytes) +
                                          " bytes in memory");
    return {};
}

bool ResponseParser::idle() const {
    return !m_in_response && !m_in_literal && m_line.empty();
}

Result<void> ResponseParser::fail(ErrorKind kind, std::string message) {
    auto e = core::make_error(kind, std::move(message));
    e.retryable = false;
    m_dead = e;
    return e;
}

Result<void> ResponseParser::feed(std::string_view bytes, const ResponseHandler& on_response) {
    if (m_dead)
        return *m_dead;
    auto r = feed_some(bytes, on_response);
    if (!r && !m_dead)
        m_dead = r.error();
    return r;
}

Result<void> ResponseParser::feed_some(std::string_view bytes, const ResponseHandler& on_response) {
    while (!bytes.empty()) {
        if (m_in_literal) {
            // Literal bytes go straight from the input to the sink, never through m_line.
            size_t n = static_cast<size_t>(std::min<uint64_t>(m_literal_left, bytes.size()));
            IMM_TRY(literal_bytes(bytes.substr(0, n)));
            bytes.remove_prefix(n);
            m_literal_left -= n;
            if (m_literal_left == 0)
                IMM_TRY(end_literal(on_response));
            continue;
        }
        const char* lf = static_cast<const char*>(std::memchr(bytes.data(), '\n', bytes.size()));
        size_t take = lf ? static_cast<size_t>(lf - bytes.data()) + 1 : bytes.size();
        if (m_line.size() + take > m_limits.max_line + 2)
            return fail(ErrorKind::Limit,
                        "server line longer than " + std::to_string(m_limits.max_line) + " bytes");
        m_line.append(bytes.data(), take);
        bytes.remove_prefix(take);
        if (!lf)
            continue;
        std::string line = std::move(m_line);
        m_line.clear();
        line.pop_back();  // LF
        // CRLF is the rule; a bare LF is tolerated (some proxies strip CR).
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        IMM_TRY(on_line(line, on_response));
    }
    return {};
}

Result<void> ResponseParser::on_line(std::string_view line, const ResponseHandler& on_response) {
    size_t pos = 0;
    if (m_in_response)
        IMM_TRY(hold(line.size() + 2));
    if (!m_in_response) {
        m_response = Response{};
        m_stack.clear();
        m_values = 0;
        m_held = 0;
        m_in_response = true;
        IMM_TRY(hold(line.size() + 2));
        IMM_TRY(parse_head(line, pos));
        if (m_response.kind == ResponseKind::Continuation || m_response.is_status())
            return emit(on_response);
    }
    IMM_TRY(parse_tokens(line, pos));
    if (m_in_literal) {
        if (m_literal_left == 0)
            return end_literal(on_response);
        return {};
    }
    if (!m_stack.empty())
        return fail(ErrorKind::Parse,
                    "unbalanced parenthesis at end of line: " + std::string(line.substr(0, 200)));
    return emit(on_response);
}

// Tag or "*" or "+", then the status word or the data response name. Status responses are
// resp-text (free text, optional [code]) and are completed here.
Result<void> ResponseParser::parse_head(std::string_view line, size_t& pos) {
    if (line.empty())
        return fail(ErrorKind::Parse, "empty line from server");
    if (line[0] == '+') {
        m_response.kind = ResponseKind::Continuation;
        pos = line.size() > 1 && line[1] == ' ' ? 2 : 1;
        m_response.text = std::string(line.substr(pos));
        return {};
    }
    std::string_view first = next_word(line, pos);
    bool tagged = first != "*";
    if (tagged) {
        for (char c : first) {
            auto u = static_cast<unsigned char>(c);
            if (u <= 0x20 || u >= 0x7F || c == '(' || c == ')' || c == '{' || c == '"' ||
                c == '%' || c == '\\' || c == '+')
                return fail(ErrorKind::Parse,
                            "malformed response line: " + std::string(line.substr(0, 200)));
        }
        m_response.kind = ResponseKind::Tagged;
        m_response.tag = std::string(first);
    }
    size_t after_first = pos;
    std::string_view word = next_word(line, pos);
    if (!is_status_word(word, tagged)) {
        if (tagged)
            return fail(ErrorKind::Parse,
                        "tagged response without OK/NO/BAD: " + std::string(line.substr(0, 200)));
        pos = after_first;  // data response: tokenize from after "*"
        return {};
    }
    m_response.status = ascii_upper(word);
    if (pos < line.size() && line[pos] == ' ')
        ++pos;
    if (pos < line.size() && line[pos] == '[') {
        size_t close = line.find(']', pos);
        if (close == std::string_view::npos)
            return fail(ErrorKind::Parse,
                        "unterminated response code: " + std::string(line.substr(0, 200)));
        std::string_view inner = line.substr(pos + 1, close - pos - 1);
        size_t sp = inner.find(' ');
        ResponseCode code;
        code.name = ascii_upper(inner.substr(0, sp));
        if (sp != std::string_view::npos)
            code.args = std::string(inner.substr(sp + 1));
        m_response.code = std::move(code);
        pos = close + 1;
        if (pos < line.size() && line[pos] == ' ')
            ++pos;
    }
    m_response.text = std::string(line.substr(std::min(pos, line.size())));
    pos = line.size();
    return {};
}

std::vector<Value>& ResponseParser::container() {
    return m_stack.empty() ? m_response.data : m_stack.back().items;
}

Result<void> ResponseParser::push_value(Value v) {
    if (++m_values > m_limits.max_values)
        return fail(ErrorKind::Limit,
                    "response has more than " + std::to_string(m_limits.max_values) + " tokens");
    IMM_TRY(hold(sizeof(Value)));
    container().push_back(std::move(v));
    return {};
}

Result<void> ResponseParser::parse_tokens(std::string_view line, size_t pos) {
    auto bad = [&](const std::string& what) {
        return fail(ErrorKind::Parse, what + " at column " + std::to_string(pos) + ": " +
                                          std::string(line.substr(0, 200)));
    };
    while (pos < line.size()) {
        char c = line[pos];
        if (c == ' ') {
            ++pos;
            continue;
        }
        if (c == '(') {
            if (m_stack.size() >= m_limits.max_depth)
                return fail(ErrorKind::Limit,
                            "lists nested deeper than " + std::to_string(m_limits.max_depth));
            if (++m_values > m_limits.max_values)
                return fail(ErrorKind::Limit, "response has more than " +
                                                  std::to_string(m_limits.max_values) + " tokens");
            IMM_TRY(hold(sizeof(Value)));
            Value list;
            list.type = Value::Type::List;
            m_stack.push_back(std::move(list));
            ++pos;
            continue;
        }
        if (c == ')') {
            if (m_stack.empty())
                return bad("unexpected ')'");
            Value done = std::move(m_stack.back());
            m_stack.pop_back();
            container().push_back(std::move(done));
            ++pos;
            continue;
        }
        if (c == '"') {
            std::string s;
            ++pos;
            bool closed = false;
            while (pos < line.size()) {
                char q = line[pos++];
                if (q == '\\' && pos < line.size()) {
                    s += line[pos++];
                } else if (q == '"') {
                    closed = true;
                    break;
                } else {
                    s += q;
                }
            }
            if (!closed)
                return bad("unterminated quoted string");
            IMM_TRY(push_value(Value::string(std::move(s))));
            continue;
        }
        if (c == '{' || (c == '~' && pos + 1 < line.size() && line[pos + 1] == '{')) {
            // literal / literal8: "{n}" or "{n+}" must end the line.
            size_t p = pos + (c == '~' ? 2 : 1);
            uint64_t n = 0;
            size_t digits = 0;
            while (p < line.size() && line[p] >= '0' && line[p] <= '9') {
                uint64_t d = static_cast<uint64_t>(line[p] - '0');
                if (n > (UINT64_MAX - d) / 10)
                    return fail(ErrorKind::Limit, "literal size overflows");
                n = n * 10 + d;
                ++p;
                ++digits;
            }
            if (p < line.size() && line[p] == '+')
                ++p;
            if (digits == 0 || p >= line.size() || line[p] != '}' || p + 1 != line.size())
                return bad("malformed literal");
            if (n > m_limits.max_literal)
                return fail(ErrorKind::Limit, "literal of " + std::to_string(n) +
                                                  " bytes exceeds the limit of " +
                                                  std::to_string(m_limits.max_literal));
            return begin_literal(n);
        }
        // An atom; "[...]" inside it is kept whole, spaces and parentheses included, so that
        // BODY[HEADER.FIELDS (FROM TO)]<0> is one token.
        size_t start = pos;
        int brackets = 0;
        while (pos < line.size()) {
            char a = line[pos];
            if (a == '[') {
                ++brackets;
            } else if (a == ']') {
                if (brackets > 0)
                    --brackets;
            } else if (brackets == 0 &&
                       (a == ' ' || a == '(' || a == ')' || a == '"' || a == '{')) {
                break;
            }
            ++pos;
        }
        if (brackets != 0)
            return bad("unterminated '['");
        std::string_view text = line.substr(start, pos - start);
        if (iequals(text, "NIL")) {
            Value nil;
            nil.type = Value::Type::Nil;
            IMM_TRY(push_value(std::move(nil)));
        } else {
            IMM_TRY(push_value(Value::atom(std::string(text))));
        }
    }
    return {};
}

Result<void> ResponseParser::begin_literal(uint64_t size) {
    auto& items = container();
    std::string_view item;
    if (!items.empty() && items.back().is_atom())
        item = items.back().text;
    LiteralContext ctx{m_response, item, size};
    m_sink = m_router ? m_router(ctx) : nullptr;
    m_discard_literal = false;
    Value v;
    if (m_sink) {
        v.type = Value::Type::Streamed;
        v.literal_size = size;
    } else {
        if (size > m_limits.max_kept_literal)
            return fail(ErrorKind::Limit, "literal of " + std::to_string(size) +
                                              " bytes is too large to keep in memory");
        IMM_TRY(hold(static_cast<size_t>(size)));
        v.type = Value::Type::String;
        v.text.reserve(static_cast<size_t>(size));
    }
    IMM_TRY(push_value(std::move(v)));
    m_in_literal = true;
    m_literal_left = size;
    return {};
}

Result<void> ResponseParser::literal_bytes(std::string_view chunk) {
    if (m_sink)
        return m_sink->write(chunk);
    if (m_discard_literal)
        return {};
    container().back().text.append(chunk);
    return {};
}

Result<void> ResponseParser::end_literal(const ResponseHandler&) {
    m_in_literal = false;
    m_discard_literal = false;
    LiteralSink* sink = m_sink;
    m_sink = nullptr;
    if (sink)
        return sink->finish();
    return {};
}

Result<void> ResponseParser::emit(const ResponseHandler& on_response) {
    m_in_response = false;
    Response done = std::move(m_response);
    done.held_bytes = m_held;
    m_response = Response{};
    return on_response(std::move(done));
}

}  // namespace imapmirror::imap
