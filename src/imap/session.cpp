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
}  // namespace

Session::Session(transport::Stream& stream, Options options)
    : m_stream(stream), m_options(options), m_parser(options.limits) {
    m_buf.resize(256 * 1024);
}

void Session::set_literal_router(ResponseParser::LiteralRouter router) {
    m_parser.set_literal_router(std::move(router));
}

core::Error Session::connection_error(core::Error e) const {
    if (m_bye && e.kind == ErrorKind::Network) {
        e.server_reply = "* BYE " + *m_bye;
        e.message = "the server ended the session";
    }
    e.scope = core::Scope::Session;
    return e;
}

Result<std::string> Session::submit(std::string command, UntaggedHandler handler) {
    while (m_in_flight.size() >= std::max<size_t>(1, m_options.window))
        IMM_TRY(read_more());
    std::string tag = "A" + std::to_string(m_next_tag++);
    std::string line = tag + " " + command + "\r\n";
    core::trace("C", line);
    auto sent = m_stream.send(line);
    if (!sent)
        return connection_error(std::move(sent).error());
    m_in_flight.push_back(Pending{tag, command_word(command), std::move(handler), std::nullopt});
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
        bool pending = std::any_of(m_in_flight.begin(), m_in_flight.end(),
                                   [&](const Pending& p) { return p.tag == tag; });
        if (!pending)
            return make_error(ErrorKind::Protocol, "internal: unknown tag " + tag);
        IMM_TRY(read_more());
    }
}

Result<Completion> Session::run(std::string command, UntaggedHandler handler) {
    std::string word = command_word(command);
    IMM_ASSIGN(std::string tag, submit(std::move(command), std::move(handler)));
    IMM_ASSIGN(Completion c, wait(tag));
    if (!c.ok())
        return completion_error(c, word);
    return c;
}

Result<void> Session::read_more() {
    auto got = m_stream.receive(m_buf.data(), m_buf.size());
    if (!got)
        return connection_error(std::move(got).error());
    return m_parser.feed(std::string_view(m_buf.data(), *got),
                         [this](Response&& r) { return on_response(std::move(r)); });
}

Result<void> Session::on_response(Response&& r) {
    if (core::log_level() >= core::LogLevel::Trace)
        core::trace("S", r.summary());
    if (r.code && r.code->name == "CAPABILITY")
        m_caps = parse_capability_atoms(r.code->args);
    if (r.kind == ResponseKind::Continuation)
        return make_error(ErrorKind::Protocol,
                          "unexpected continuation request from the server: " + r.summary());
    if (r.kind == ResponseKind::Tagged) {
        auto it = std::find_if(m_in_flight.begin(), m_in_flight.end(),
                               [&](const Pending& p) { return p.tag == r.tag; });
        if (it == m_in_flight.end())
            return make_error(ErrorKind::Protocol, "response for unknown tag: " + r.summary());
        m_finished.push_back(Completion{r.tag, r.status, r.code, r.text});
        m_in_flight.erase(it);
        return {};
    }
    if (r.status == "BYE") {
        m_bye = r.text;
        return {};
    }
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

void Session::logout() {
    auto tag = submit("LOGOUT");
    if (!tag)
        return;
    (void)wait(*tag);
}

core::Error completion_error(const Completion& c, std::string_view what) {
    std::string code = c.code ? c.code->name : "";
    core::Error e = make_error(ErrorKind::Protocol,
                               std::string(what) + " failed: the server answered " + c.status);
    e.server_reply = c.status + (code.empty() ? "" : " [" + code + "]") + " " + c.text;
    e.scope = core::Scope::Folder;
    if (code == "NONEXISTENT" || code == "TRYCREATE") {
        e.kind = ErrorKind::NotFound;
    } else if (code == "AUTHENTICATIONFAILED" || code == "AUTHORIZATIONFAILED" ||
               code == "EXPIRED") {
        e.kind = ErrorKind::Auth;
        e.scope = core::Scope::Session;
    } else if (code == "UNAVAILABLE" || code == "THROTTLED" || code == "INUSE" || code == "LIMIT" ||
               code == "SERVERBUG" || c.text.find("Suggested Backoff Time") != std::string::npos) {
        e.retryable = true;
        e.scope = core::Scope::Session;
    }
    if (c.status == "BAD")
        e.hint = "the server did not understand the command; please report it";
    return e;
}

}  // namespace imapmirror::imap
