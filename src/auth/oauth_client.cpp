#include "auth/oauth_client.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <thread>

#include "auth/http_form.hpp"
#include "core/interrupt.hpp"
#include "core/json_reader.hpp"
#include "core/log.hpp"

namespace imapmirror::auth {

using core::ErrorKind;
using core::make_error;

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string string_member(const core::JsonValue& v, const char* key) {
    const auto* m = v.find(key);
    const std::string* s = m ? m->as_string() : nullptr;
    return s ? *s : std::string();
}

int64_t int_member(const core::JsonValue& v, const char* key, int64_t fallback) {
    const auto* m = v.find(key);
    if (!m)
        return fallback;
    if (auto n = m->as_int())
        return *n;
    // Some servers send numbers as strings.
    if (const auto* s = m->as_string()) {
        try {
            return std::stoll(*s);
        } catch (const std::exception&) {
            return fallback;
        }
    }
    return fallback;
}

void add_client(Fields& f, const Endpoints& e) {
    f.emplace_back("client_id", e.client_id);
    if (!e.client_secret.empty())
        f.emplace_back("client_secret", e.client_secret);
}

// The reply as JSON; a body that is not a JSON object is a Protocol error naming the URL and
// the HTTP status (never the body: it may hold a token).
core::Result<core::JsonValue> json_reply(const std::string& url, const HttpReply& reply) {
    auto v = core::parse_json(reply.body);
    if (!v || v->type() != core::JsonValue::Type::Object) {
        auto e = make_error(ErrorKind::Protocol,
                            "the authorization server " + url + " answered HTTP " +
                                std::to_string(reply.status) + " without a JSON object");
        e.retryable = reply.status >= 500;
        return e;
    }
    return std::move(*v);
}

// The secrets of a request: a server may echo them back in its error text.
std::vector<std::string> secrets_of(const Fields& fields) {
    std::vector<std::string> out;
    for (const auto& [name, value] : fields)
        if (name == "refresh_token" || name == "client_secret" || name == "device_code" ||
            name == "code" || name == "code_verifier")
            out.push_back(value);
    return out;
}

core::Error server_error(const std::string& url, const HttpReply& reply, const core::JsonValue& v,
                         const Fields& request) {
    std::string code = string_member(v, "error");
    std::string description = string_member(v, "error_description");
    const auto secrets = secrets_of(request);
    // Redacted before cutting, so that a cut cannot leave part of a secret unrecognised.
    code = redact_secrets(std::move(code), secrets);
    description = redact_secrets(std::move(description), secrets);
    if (code.size() > 100)
        code.resize(100);
    if (description.size() > 300)
        description.resize(300);
    auto e = make_error(ErrorKind::Auth, "the authorization server " + url + " refused (HTTP " +
                                             std::to_string(reply.status) + ", " +
                                             (code.empty() ? "no error code" : code) + ")" +
                                             (description.empty() ? "" : ": " + description));
    e.retryable = reply.status >= 500 || code == "temporarily_unavailable";
    return e;
}

core::Result<Tokens> token_request(const Endpoints& e, Fields fields) {
    add_client(fields, e);
    IMM_ASSIGN(auto reply, post_form(e.token_url, fields));
    IMM_ASSIGN(auto v, json_reply(e.token_url, reply));
    if (reply.status != 200 || v.find("error"))
        return server_error(e.token_url, reply, v, fields);
    return tokens_from_reply(e.token_url, v, static_cast<int64_t>(std::time(nullptr)));
}

bool grant_is_dead(const std::string& code) {
    return code == "invalid_grant" || code == "unauthorized_client" || code == "invalid_client" ||
           code == "interaction_required" || code == "consent_required";
}

}  // namespace

bool is_b64token(std::string_view token) {
    // RFC 6750 §2.1: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    size_t i = 0;
    while (i < token.size() &&
           (std::isalnum(static_cast<unsigned char>(token[i])) || std::strchr("-._~+/", token[i])))
        ++i;
    if (i == 0)
        return false;
    while (i < token.size() && token[i] == '=')
        ++i;
    return i == token.size();
}

std::string redact_secrets(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        if (secret.empty())
            continue;
        for (const std::string& form : {secret, form_encode(secret)}) {
            for (size_t at = text.find(form); at != std::string::npos;
                 at = text.find(form, at + kRedacted.size()))
                text.replace(at, form.size(), kRedacted);
        }
    }
    return text;
}

core::Result<Tokens> tokens_from_reply(const std::string& url, const core::JsonValue& reply,
                                       int64_t now) {
    Tokens t;
    t.access_token = string_member(reply, "access_token");
    t.refresh_token = string_member(reply, "refresh_token");
    if (t.access_token.empty())
        return make_error(ErrorKind::Protocol,
                          "the authorization server " + url + " sent no access_token");
    // It goes into a SASL message (XOAUTH2's \x01 separators): only RFC 6750's characters.
    if (!is_b64token(t.access_token))
        return make_error(ErrorKind::Protocol,
                          "the authorization server " + url +
                              " sent an access token with characters RFC 6750 does not allow");
    const int64_t expires_in =
        std::clamp<int64_t>(int_member(reply, "expires_in", 3600), 0, kMaxExpiresIn);
    t.expires_at = now + expires_in;
    return t;
}

std::string grant_dead_message(const std::string& login_command) {
    return "the grant was revoked or expired: run `" + login_command + "` again";
}

core::Result<Tokens> refresh(const Endpoints& endpoints, const std::string& refresh_token,
                             const std::string& login_command) {
    Fields f = {{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}};
    if (!endpoints.scope.empty())
        f.emplace_back("scope", endpoints.scope);
    add_client(f, endpoints);
    IMM_ASSIGN(auto reply, post_form(endpoints.token_url, f));
    IMM_ASSIGN(auto v, json_reply(endpoints.token_url, reply));
    if (reply.status != 200 || v.find("error")) {
        if (grant_is_dead(string_member(v, "error"))) {
            auto e =
                make_error(ErrorKind::Auth, grant_dead_message(login_command), core::Scope::Run);
            return e;
        }
        return server_error(endpoints.token_url, reply, v, f);
    }
    return tokens_from_reply(endpoints.token_url, v, static_cast<int64_t>(std::time(nullptr)));
}

core::Result<DeviceAuthorization> start_device(const Endpoints& endpoints) {
    Fields f = {{"scope", endpoints.scope}};
    add_client(f, endpoints);
    IMM_ASSIGN(auto reply, post_form(endpoints.device_url, f));
    IMM_ASSIGN(auto v, json_reply(endpoints.device_url, reply));
    if (reply.status != 200 || v.find("error"))
        return server_error(endpoints.device_url, reply, v, f);
    DeviceAuthorization d;
    d.device_code = string_member(v, "device_code");
    d.user_code = string_member(v, "user_code");
    d.verification_uri = string_member(v, "verification_uri");
    if (d.verification_uri.empty())  // Google's older name
        d.verification_uri = string_member(v, "verification_url");
    d.message = string_member(v, "message");
    // Clamped: a huge value would overflow the steady clock's arithmetic.
    d.interval = std::chrono::seconds(std::clamp<int64_t>(int_member(v, "interval", 5), 1, 300));
    d.expires_in =
        std::chrono::seconds(std::clamp<int64_t>(int_member(v, "expires_in", 900), 1, 86'400));
    if (d.device_code.empty() || d.user_code.empty() || d.verification_uri.empty())
        return make_error(ErrorKind::Protocol,
                          "the device authorization reply of " + endpoints.device_url +
                              " lacks device_code, user_code or verification_uri");
    return d;
}

std::string device_instructions(const DeviceAuthorization& device) {
    return "To sign in, open " + core::one_line(device.verification_uri) +
           " in a browser (on any device) and enter the code " + core::one_line(device.user_code) +
           "\nWaiting for you to approve (the code is valid for " +
           std::to_string(device.expires_in.count() / 60) + " minutes)...\n";
}

core::Result<Tokens> poll_device(const Endpoints& endpoints, const DeviceAuthorization& device) {
    const auto deadline = std::chrono::steady_clock::now() + device.expires_in;
    auto interval = device.interval;
    auto expired = [&] {
        return make_error(ErrorKind::Auth,
                          "the code " + device.user_code + " expired before it was approved",
                          core::Scope::Run);
    };
    for (;;) {
        // Sleep in slices so Ctrl-C is noticed.
        const auto wake = std::chrono::steady_clock::now() + interval;
        while (std::chrono::steady_clock::now() < wake) {
            if (core::interrupted())
                return core::interrupted_error();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (std::chrono::steady_clock::now() > deadline)
            return expired();
        Fields f = {{"grant_type", "urn:ietf:params:oauth:grant-type:device_code"},
                    {"device_code", device.device_code}};
        add_client(f, endpoints);
        IMM_ASSIGN(auto reply, post_form(endpoints.token_url, f));
        IMM_ASSIGN(auto v, json_reply(endpoints.token_url, reply));
        const std::string code = string_member(v, "error");
        if (reply.status == 200 && code.empty()) {
            IMM_ASSIGN(Tokens t, tokens_from_reply(endpoints.token_url, v,
                                                   static_cast<int64_t>(std::time(nullptr))));
            if (t.refresh_token.empty())
                return make_error(ErrorKind::Protocol,
                                  "the authorization server " + endpoints.token_url +
                                      " sent no access_token or refresh_token (is "
                                      "offline_access in the scope?)");
            return t;
        }
        if (code == "authorization_pending")
            continue;
        if (code == "slow_down") {  // RFC 8628 §3.5: for this and all later polls
            interval += std::chrono::seconds(5);
            continue;
        }
        if (code == "expired_token")
            return expired();
        if (code == "access_denied")
            return make_error(ErrorKind::Auth, "the sign-in was declined", core::Scope::Run);
        return server_error(endpoints.token_url, reply, v, f);
    }
}

core::Result<Tokens> exchange_code(const Endpoints& endpoints, const std::string& code,
                                   const std::string& redirect_uri,
                                   const std::string& code_verifier) {
    return token_request(endpoints, {{"grant_type", "authorization_code"},
                                     {"code", code},
                                     {"redirect_uri", redirect_uri},
                                     {"code_verifier", code_verifier}});
}

}  // namespace imapmirror::auth
