#include "imap/session.hpp"

#include <algorithm>

#include "core/log.hpp"

namespace imapmirror::imap {

using core::ErrorKind;
using core::make_error;
using core::Result;

namespace {
std::string command_word(const std::string& command) {
    size_t sp = command.find(' ');
    std::string first = command.substr(0, sp);
    if (iequals(first, "UID") && sp != std::string::npos) {
        size_t sp2 = command.find(' ', sp + 1);
        return command.substr(0, sp2);
    }
    return first;
}

ResponseParser::LiteralRouter discard_router() {
    return [](const LiteralContext&) -> LiteralSink* { return &discarding_sink(); };
}

// Where the client must stop and wait for "+": the offsets just past each "{n}\r\n" of a
// command line built by quote_astring ("{n+}\r\n" needs no wait). Outside literals a command
// line holds no CRLF but its last, so every inner CRLF ends a literal announcement.
std::vector<size_t> synchronizing_literals(const std::string& line) {
    std::vector<size_t> out;
    size_t pos = 0;
    for (;;) {
        size_t crlf = line.find("\r\n", pos);
        if (crlf == std::string::npos || crlf + 2 >= line.size())
            return out;
        size_t open = line.rfind('{', crlf);
        bool plus = crlf >= 2 && line[crlf - 2] == '+';
        size_t digits_end = crlf - 1 - (plus ? 1 : 0);
        if (open == std::string::npos || open < pos || line[crlf - 1] != '}' ||
            digits_end <= open + 1 || digits_end - open - 1 > 19)
            return out;  // not ours: send the rest as it is
        uint64_t n = 0;
        for (size_t i = open + 1; i < digits_end; ++i) {
            if (line[i] < '0' || line[i] > '9')
                return out;
            n = n * 10 + static_cast<uint64_t>(line[i] - '0');
        }
        if (n > line.size())
            return out;
        if (!plus)
            out.push_back(crlf + 2);
        pos = crlf + 2 + static_cast<size_t>(n);
    }
}
}  // namespace

LiteralSink& discarding_sink() {
    // Stateless, so one instance serves every session and thread.
    class DiscardSink final : public LiteralSink {
      public:
        Result<void> write(std::string_view) override { return {}; }
        Result<void> finish() override { return {}; }
    };
    static DiscardSink sink;
    return sink;
}

Session::Session(transport::Stream& stream, Options options)
    : m_stream(stream), m_options(std::move(options)), m_parser(m_options.limits) {
    m_buf.resize(256 * 1024);
}

std::chrono::steady_clock::time_point Session::now() const {
    return m_options.clock ? m_options.clock() : std::chrono::steady_clock::now();
}

void Session::set_literal_router(ResponseParser::LiteralRouter router) {
    m_parser.set_literal_router(std::move(router));
}

bool Session::non_synchronizing_literal(size_t size) const {
    // RFC 7888: LITERAL- allows the non-synchronizing form up to 4096 bytes.
    return m_caps.has("LITERAL+") || (m_caps.has("LITERAL-") && size <= 4096);
}

bool Session::is_in_flight(const std::string& tag) const {
    return std::any_of(m_in_flight.begin(), m_in_flight.end(),
                       [&](const Pending& p) { return p.tag == tag; });
}

void Session::detach(const std::string& tag) {
    for (auto& p : m_in_flight)
        if (p.tag == tag)
            p.handler = nullptr;
}

core::Error Session::connection_error(core::Error e) const {
    if (m_bye && e.kind == ErrorKind::Network) {
        e.server_reply = "* BYE " + *m_bye;
        e.message = "the server ended the session";
    }
    e.scope = core::Scope::Session;
    return e;
}

// The first caller gets `e` as it is (its scope may be Folder: a handler's own error); every
// later call learns that the connection is gone and that a new one may do better.
core::Error Session::break_with(core::Error e) {
    if (!m_broken) {
        core::Error b = e;
        b.scope = core::Scope::Session;
        b.retryable = true;
        b.message = "the connection is closed after an earlier error: " + e.message;
        m_broken = std::move(b);
        for (auto& p : m_in_flight)
            p.handler = nullptr;
        m_default = nullptr;
        m_parser.set_literal_router(nullptr);
    }
    return e;
}

void Session::abandon(std::string why) {
    if (m_broken)
        return;
    auto e = make_error(ErrorKind::Network,
                        "the connection was closed with commands in flight (" + why + ")");
    e.retryable = true;
    break_with(e);
    m_broken = std::move(e);  // no "after an earlier error": this is the error
}

Result<std::string> Session::submit(std::string command, UntaggedHandler handler) {
    if (m_broken)
        return *m_broken;
    while (m_in_flight.size() >= std::max<size_t>(1, m_options.window))
        IMM_TRY(read_more());
    std::string tag = "A" + std::to_string(m_next_tag++);
    std::string line = tag + " " + command + "\r\n";
    m_in_flight.push_back(Pending{tag, std::move(handler)});
    size_t from = 0;
    auto pieces = synchronizing_literals(line);
    pieces.push_back(line.size());
    for (size_t cut : pieces) {
        std::string_view piece = std::string_view(line).substr(from, cut - from);
        core::trace("C", piece);
        IMM_TRY(send_piece(piece));
        from = cut;
        if (cut == line.size())
            break;
        IMM_ASSIGN(bool go_on, await_continuation(tag));
        if (!go_on)
            return tag;
    }
    return tag;
}

Result<void> Session::send_piece(std::string_view piece) {
    auto sent = m_stream.send(piece);
    if (!sent)
        return break_with(connection_error(std::move(sent).error()));
    return {};
}

// A synchronizing literal: the server says "+" to go on, or refuses with a tagged NO/BAD that
// completes the command.
Result<bool> Session::await_continuation(const std::string& tag) {
    m_awaiting_continuation = true;
    while (m_awaiting_continuation && is_in_flight(tag))
        IMM_TRY(read_more());
    if (m_awaiting_continuation) {
        m_awaiting_continuation = false;
        return false;
    }
    return true;
}

Result<std::string> Session::submit_literal(std::string head, LiteralSource& body, std::string tail,
                                            UntaggedHandler handler) {
    return submit_literals({{std::move(head), &body}}, std::move(tail), std::move(handler));
}

Result<std::string> Session::submit_literals(const std::vector<LiteralPart>& parts,
                                             std::string tail, UntaggedHandler handler) {
    if (m_broken)
        return *m_broken;
    while (m_in_flight.size() >= std::max<size_t>(1, m_options.window))
        IMM_TRY(read_more());
    std::string tag = "A" + std::to_string(m_next_tag++);
    m_in_flight.push_back(Pending{tag, std::move(handler)});
    std::string chunk(64 * 1024, '\0');
    for (size_t i = 0; i < parts.size(); ++i) {
        LiteralSource& body = *parts[i].body;
        const uint64_t size = body.size();
        const bool plus = non_synchronizing_literal(size);
        std::string announce = (i == 0 ? tag + " " : std::string()) + parts[i].before + "{" +
                               std::to_string(size) + (plus ? "+" : "") + "}\r\n";
        core::trace("C", announce);
        IMM_TRY(send_piece(announce));
        if (!plus) {
            IMM_ASSIGN(bool go_on, await_continuation(tag));
            if (!go_on)
                return tag;
        }
        core::trace("C", "<literal of " + std::to_string(size) + " bytes>");
        uint64_t sent = 0;
        while (sent < size) {
            auto got = body.read(
                chunk.data(), static_cast<size_t>(std::min<uint64_t>(chunk.size(), size - sent)));
            if (!got)
                return break_with(std::move(got).error());
            if (*got == 0)
                return break_with(make_error(ErrorKind::Io, "the literal ended after " +
                                                                std::to_string(sent) + " of its " +
                                                                std::to_string(size) + " bytes"));
            IMM_TRY(send_piece(std::string_view(chunk.data(), *got)));
            sent += *got;
        }
    }
    std::string end = tail + "\r\n";
    core::trace("C", end);
    IMM_TRY(send_piece(end));
    return tag;
}

Result<Completion> Session::wait(const std::string& tag) {
    for (;;) {
        auto it = std::find_if(m_finished.begin(), m_finished.end(),
                               [&](const Completion& c) { return c.tag == tag; });
        if (it != m_finished.end()) {
            Completion c = std::move(*it);
            m_finished.erase(it);
            return c;
        }
        if (m_broken)
            return *m_broken;
        if (!is_in_flight(tag))
            return make_error(ErrorKind::Protocol, "internal: unknown tag " + tag);
        IMM_TRY(read_more());
    }
}

Result<Completion> Session::run(std::string command, UntaggedHandler handler) {
    CommandScope scope(*this);
    return scope.run(std::move(command), std::move(handler));
}

Result<void> Session::read_more() {
    if (m_broken)
        return *m_broken;
    auto got = m_stream.receive(m_buf.data(), m_buf.size());
    if (!got)
        return break_with(connection_error(std::move(got).error()));
    auto fed = m_parser.feed(std::string_view(m_buf.data(), *got),
                             [this](Response&& r) { return on_response(std::move(r)); });
    if (!fed)
        return break_with(std::move(fed).error());
    auto rate = check_rate(*got);
    if (!rate)
        return break_with(std::move(rate).error());
    return {};
}

Result<void> Session::check_rate(size_t got) {
    const auto& rule = m_options.min_rate;
    if (rule.bytes_per_second == 0 || rule.window.count() <= 0)
        return {};
    if (m_parser.idle()) {
        // Between responses: a silent server is the transport's idle timeout's business.
        m_rate_start.reset();
        return {};
    }
    auto t = now();
    if (!m_rate_start) {
        m_rate_start = t;
        m_rate_bytes = 0;
        return {};
    }
    m_rate_bytes += got;
    auto elapsed = t - *m_rate_start;
    if (elapsed < rule.window)
        return {};
    double seconds = std::chrono::duration<double>(elapsed).count();
    if (static_cast<double>(m_rate_bytes) < static_cast<double>(rule.bytes_per_second) * seconds) {
        auto e = make_error(ErrorKind::Timeout,
                            "the server sent only " + std::to_string(m_rate_bytes) + " bytes in " +
                                std::to_string(static_cast<uint64_t>(seconds)) +
                                " s in the middle of a response (the minimum is " +
                                std::to_string(rule.bytes_per_second) + " bytes/s)");
        e.hint = "the server or network is too slow to finish; retry later";
        return e;
    }
    m_rate_start = t;
    m_rate_bytes = 0;
    return {};
}

Result<void> Session::on_response(Response&& r) {
    if (core::log_level() >= core::LogLevel::Trace)
        core::trace("S", r.summary());
    if (r.code && r.code->name == "CAPABILITY")
        m_caps = parse_capability_atoms(r.code->args);
    if (r.kind == ResponseKind::Continuation) {
        if (m_awaiting_continuation) {
            m_awaiting_continuation = false;
            return {};
        }
        return make_error(ErrorKind::Protocol,
                          "unexpected continuation request from the server: " + r.summary());
    }
    if (r.kind == ResponseKind::Tagged) {
        auto it = std::find_if(m_in_flight.begin(), m_in_flight.end(),
                               [&](const Pending& p) { return p.tag == r.tag; });
        if (it == m_in_flight.end())
            return make_error(ErrorKind::Protocol, "response for unknown tag: " + r.summary());
        bool throttled = is_throttling(r.code, r.text);
        if (throttled && r.status == "OK")
            ++m_throttle_hints;
        m_finished.push_back(Completion{r.tag, r.status, r.code, r.text, throttled});
        m_in_flight.erase(it);
        return {};
    }
    if (r.status == "BYE") {
        m_bye = r.text;
        return {};
    }
    if (r.numbered_name() == "EXISTS")
        m_exists = r.number();
    if (r.data_name() == "CAPABILITY") {
        IMM_ASSIGN(m_caps, parse_capability(r));
    }
    // The oldest command in flight is the one the server is answering (RFC 3501 §5.5).
    if (!m_in_flight.empty() && m_in_flight.front().handler)
        return m_in_flight.front().handler(r);
    if (m_default)
        return m_default(r);
    return {};
}

Result<void> Session::refresh_capabilities() {
    IMM_TRY(run("CAPABILITY"));
    return {};
}

Result<void> Session::drain() {
    if (m_broken)
        return *m_broken;
    for (auto& p : m_in_flight)
        p.handler = nullptr;
    m_parser.set_literal_router(discard_router());
    while (!m_in_flight.empty())
        IMM_TRY(read_more());
    m_finished.clear();
    m_parser.set_literal_router(nullptr);
    return {};
}

void Session::logout() {
    if (m_broken)
        return;
    // The callers of commands still in flight are done with them.
    for (auto& p : m_in_flight)
        p.handler = nullptr;
    m_default = nullptr;
    m_parser.set_literal_router(discard_router());
    auto tag = submit("LOGOUT");
    if (tag)
        (void)wait(*tag);
    m_parser.set_literal_router(nullptr);
}

CommandScope::~CommandScope() {
    if (in_flight() > 0)
        m_session.abandon("a caller returned before its commands completed");
    // Completions nobody collected: wait() on a finished tag reads nothing.
    for (const auto& t : m_tags)
        if (!m_session.is_in_flight(t))
            (void)m_session.wait(t);
    if (m_router_set)
        m_session.set_literal_router(nullptr);
}

Result<std::string> CommandScope::submit(std::string command, Session::UntaggedHandler handler) {
    IMM_ASSIGN(std::string tag, m_session.submit(std::move(command), std::move(handler)));
    m_tags.push_back(tag);
    return tag;
}

Result<std::string> CommandScope::submit_literal(std::string head, LiteralSource& body,
                                                 std::string tail,
                                                 Session::UntaggedHandler handler) {
    IMM_ASSIGN(std::string tag, m_session.submit_literal(std::move(head), body, std::move(tail),
                                                         std::move(handler)));
    m_tags.push_back(tag);
    return tag;
}

Result<std::string> CommandScope::submit_literals(const std::vector<Session::LiteralPart>& parts,
                                                  std::string tail,
                                                  Session::UntaggedHandler handler) {
    IMM_ASSIGN(std::string tag,
               m_session.submit_literals(parts, std::move(tail), std::move(handler)));
    m_tags.push_back(tag);
    return tag;
}

Result<Completion> CommandScope::wait(const std::string& tag) {
    auto c = m_session.wait(tag);
    if (c)
        m_tags.erase(std::remove(m_tags.begin(), m_tags.end(), tag), m_tags.end());
    return c;
}

Result<Completion> CommandScope::run(std::string command, Session::UntaggedHandler handler) {
    std::string word = command_word(command);
    IMM_ASSIGN(std::string tag, submit(std::move(command), std::move(handler)));
    IMM_ASSIGN(Completion c, wait(tag));
    if (!c.ok())
        return completion_error(c, word);
    return c;
}

void CommandScope::set_literal_router(ResponseParser::LiteralRouter router) {
    m_session.set_literal_router(std::move(router));
    m_router_set = true;
}

size_t CommandScope::in_flight() const {
    return static_cast<size_t>(std::count_if(
        m_tags.begin(), m_tags.end(), [&](const auto& t) { return m_session.is_in_flight(t); }));
}

Result<void> CommandScope::drain() {
    // The router and handlers may point at what the caller is about to destroy: detach first.
    m_session.set_literal_router(discard_router());
    m_router_set = true;
    auto tags = std::move(m_tags);
    m_tags.clear();
    for (const auto& t : tags) {
        if (!m_session.is_in_flight(t)) {
            (void)m_session.wait(t);  // drop a completion nobody collected
            continue;
        }
        m_session.detach(t);
    }
    for (const auto& t : tags) {
        if (!m_session.is_in_flight(t))
            continue;
        auto c = m_session.wait(t);
        if (!c) {
            m_session.set_literal_router(nullptr);
            return std::move(c).error();
        }
    }
    m_session.set_literal_router(nullptr);
    m_router_set = false;
    return {};
}

bool is_throttling(const std::optional<ResponseCode>& code, std::string_view text) {
    if (code && (code->name == "THROTTLED" || code->name == "OVERQUOTA"))
        return true;
    std::string lower = ascii_lower(text);
    for (const char* phrase : {"suggested backoff time", "too many simultaneous connections",
                               "temporarily unavailable", "throttl"})
        if (lower.find(phrase) != std::string::npos)
            return true;
    return false;
}

bool temporary_refusal(const Completion& no) {
    if (no.throttled)
        return true;
    if (!no.code)
        return false;
    static constexpr std::string_view kTemporary[] = {"UNAVAILABLE", "LIMIT", "INUSE", "OVERQUOTA",
                                                      "THROTTLED"};
    // RFC 3501, 4315, 5530, 7162 and others: codes about the request, the message or the
    // mailbox, which a retry would get again.
    static constexpr std::string_view kAboutRequest[] = {"ALERT",
                                                         "BADCHARSET",
                                                         "CAPABILITY",
                                                         "PARSE",
                                                         "PERMANENTFLAGS",
                                                         "READ-ONLY",
                                                         "READ-WRITE",
                                                         "TRYCREATE",
                                                         "UIDNEXT",
                                                         "UIDVALIDITY",
                                                         "UNSEEN",
                                                         "AUTHENTICATIONFAILED",
                                                         "AUTHORIZATIONFAILED",
                                                         "EXPIRED",
                                                         "PRIVACYREQUIRED",
                                                         "CONTACTADMIN",
                                                         "NOPERM",
                                                         "EXPUNGEISSUED",
                                                         "CORRUPTION",
                                                         "SERVERBUG",
                                                         "CLIENTBUG",
                                                         "CANNOT",
                                                         "ALREADYEXISTS",
                                                         "NONEXISTENT",
                                                         "HASCHILDREN",
                                                         "CLOSED",
                                                         "UNKNOWN-CTE",
                                                         "NOTSAVED",
                                                         "UIDNOTSTICKY",
                                                         "MODIFIED",
                                                         "NOMODSEQ",
                                                         "TOOBIG",
                                                         "BADURL",
                                                         "BADCOMPARATOR",
                                                         "ANNOTATE",
                                                         "METADATA",
                                                         "USEATTR",
                                                         "COMPRESSIONACTIVE"};
    const std::string& name = no.code->name;
    for (auto t : kTemporary)
        if (name == t)
            return true;
    for (auto known : kAboutRequest)
        if (name == known)
            return false;
    return true;  // unknown: treated as for now, retried a few times, never lost
}

core::Error completion_error(const Completion& c, std::string_view what) {
    std::string code = c.code ? c.code->name : "";
    core::Error e = make_error(ErrorKind::Protocol,
                               std::string(what) + " failed: the server answered " + c.status);
    e.server_reply = c.status + (code.empty() ? "" : " [" + code + "]") + " " + c.text;
    e.scope = core::Scope::Folder;
    const bool fetch = what.find("FETCH") != std::string_view::npos;
    if (code == "NONEXISTENT" || code == "TRYCREATE") {
        e.kind = ErrorKind::NotFound;
    } else if (code == "AUTHENTICATIONFAILED" || code == "AUTHORIZATIONFAILED" ||
               code == "EXPIRED") {
        e.kind = ErrorKind::Auth;
        e.scope = core::Scope::Session;
    } else if (is_throttling(c.code, c.text)) {
        e.retryable = true;
        e.throttled = true;
        e.scope = core::Scope::Session;
        e.hint = "the server asks us to slow down; run again later or with fewer --connections";
    } else if (fetch && code == "UNAVAILABLE") {
        // Gmail, Exchange: these messages cannot be read right now; the connection is fine.
        e.retryable = true;
        e.hint = "the server cannot deliver these messages now; run again later";
    } else if (code == "UNAVAILABLE" || code == "INUSE" || code == "LIMIT" || code == "SERVERBUG") {
        e.retryable = true;
        e.scope = core::Scope::Session;
    }
    if (c.status == "BAD")
        e.hint = "the server did not understand the command; please report it";
    return e;
}

}  // namespace imapmirror::imap
