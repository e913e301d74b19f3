#include "transport/oauth_sasl.hpp"

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "transport/redact.hpp"

namespace imapmirror::transport {

using core::ErrorKind;
using core::make_error;

namespace {

constexpr size_t kMaxLine = 64 * 1024;
constexpr const char* kTag = "IMMA1";

// RFC 5801 §5.1 saslname.
std::string gs2_escape(const std::string& user) {
    std::string out;
    for (char c : user) {
        if (c == ',')
            out += "=2C";
        else if (c == '=')
            out += "=3D";
        else
            out += c;
    }
    return out;
}

std::string decode_base64(std::string_view in) {
    static const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        auto at = alphabet.find(c);
        if (at == std::string::npos)
            continue;  // '=' padding, line ends
        acc = (acc << 6) | static_cast<uint32_t>(at);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

// One line from the stream, without CRLF. Bytes after it stay unread only because the server
// sends nothing unasked during authentication.
core::Result<std::string> read_line(Stream& stream, std::string& buffer) {
    for (;;) {
        if (auto end = buffer.find("\r\n"); end != std::string::npos) {
            std::string line = buffer.substr(0, end);
            buffer.erase(0, end + 2);
            return line;
        }
        if (buffer.size() > kMaxLine)
            return make_error(ErrorKind::Limit,
                              "a line of the server's login reply is longer "
                              "than 64 KiB");
        char buf[4096];
        IMM_ASSIGN(auto n, stream.receive(buf, sizeof buf));
        buffer.append(buf, n);
    }
}

}  // namespace

const char* to_string(OAuthMech mech) {
    return mech == OAuthMech::XOAuth2 ? "XOAUTH2" : "OAUTHBEARER";
}

OAuthMech choose_oauth_mech(std::string_view wanted, const std::vector<std::string>& offered) {
    const std::string w = core::ascii_upper(wanted);
    if (w == "XOAUTH2")
        return OAuthMech::XOAuth2;
    if (w == "OAUTHBEARER")
        return OAuthMech::OAuthBearer;
    for (const auto& m : offered)
        if (m == "OAUTHBEARER")
            return OAuthMech::OAuthBearer;
    return OAuthMech::XOAuth2;
}

std::string base64_encode(std::string_view in) {
    static const char* alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) |
                     uint8_t(in[i + 2]);
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (i + 1 == in.size()) {
        uint32_t v = uint32_t(uint8_t(in[i])) << 16;
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8);
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string oauth_initial_response(OAuthMech mech, const std::string& user,
                                   const std::string& token, const std::string& host,
                                   uint16_t port) {
    std::string raw;
    if (mech == OAuthMech::XOAuth2)
        raw = "user=" + user + "\x01" + "auth=Bearer " + token + "\x01\x01";
    else
        raw = "n,a=" + gs2_escape(user) + ",\x01" + "host=" + host + "\x01" +
              "port=" + std::to_string(port) + "\x01" + "auth=Bearer " + token + "\x01\x01";
    std::string encoded = base64_encode(raw);
    std::fill(raw.begin(), raw.end(), '\0');
    return encoded;
}

core::Result<void> authenticate_oauth(Stream& stream, OAuthMech mech,
                                      const std::string& initial_response) {
    std::string command =
        std::string(kTag) + " AUTHENTICATE " + to_string(mech) + " " + initial_response + "\r\n";
    if (core::log_level() >= core::LogLevel::Trace)
        core::trace("C", redact_client_line(command));
    auto sent = stream.send(command);
    std::fill(command.begin(), command.end(), '\0');
    IMM_TRY(sent);
    std::string buffer, status;
    for (;;) {
        IMM_ASSIGN(auto line, read_line(stream, buffer));
        if (core::log_level() >= core::LogLevel::Trace)
            core::trace("S", line + "\r\n");
        if (line.rfind("+", 0) == 0) {
            // The error challenge: a JSON object with "status" (RFC 7628 §3.2.2).
            std::string json = decode_base64(line.size() > 2 ? line.substr(2) : "");
            if (auto at = json.find("\"status\""); at != std::string::npos) {
                auto q1 = json.find('"', json.find(':', at) + 1);
                auto q2 = q1 == std::string::npos ? q1 : json.find('"', q1 + 1);
                if (q2 != std::string::npos)
                    status = json.substr(q1 + 1, q2 - q1 - 1);
            }
            std::string answer = mech == OAuthMech::OAuthBearer ? "AQ==\r\n" : "\r\n";
            if (core::log_level() >= core::LogLevel::Trace)
                core::trace("C", answer);
            IMM_TRY(stream.send(answer));
            continue;
        }
        if (line.rfind(std::string(kTag) + " ", 0) != 0)
            continue;  // untagged (CAPABILITY after login)
        std::string said = line.substr(std::string(kTag).size() + 1);
        if (said.rfind("OK", 0) == 0)
            return {};
        auto e = make_error(ErrorKind::Auth, std::string("the server refused the OAuth2 token (") +
                                                 to_string(mech) + ")" +
                                                 (status.empty() ? "" : ": " + status));
        e.server_reply = said;
        e.hint =
            "run again (a fresh token is fetched); if it persists, check --user, the "
            "grant's scope, or try --sasl xoauth2 / oauthbearer";
        return e;
    }
}

}  // namespace imapmirror::transport
