#pragma once
// How to reach and log in to a server. Holds secrets: never log or print it whole.

#include <chrono>
#include <cstdint>
#include <string>

namespace imapmirror::transport {

enum class TlsMode {
    Implicit,  // TLS from the first byte (imaps, port 993)
    StartTls,  // plain connect, then STARTTLS required (never opportunistic)
    None,      // no TLS at all
};

struct ConnectOptions {
    std::string host;
    uint16_t port = 0;  // 0: 993 for Implicit, 143 otherwise
    TlsMode tls = TlsMode::Implicit;
    std::string ca_file;    // extra trust anchor; empty: the system store
    bool insecure = false;  // skip certificate and host name verification
    std::string user;
    std::string password;      // secret
    std::string oauth2_token;  // secret; when set, OAuth2 SASL is used instead of the password
    // With oauth2_token: "auto" (OAUTHBEARER when offered, else XOAUTH2), "xoauth2" or
    // "oauthbearer" (see oauth_sasl.hpp).
    std::string oauth2_mech = "auto";
    // SASL mechanism for a password login: "auto" (see auth_choice.hpp) or PLAIN, LOGIN,
    // CRAM-MD5, DIGEST-MD5.
    std::string auth_mech = "auto";
    std::chrono::milliseconds connect_timeout{30'000};
    std::chrono::milliseconds io_timeout{120'000};  // longest silence tolerated from the server

    uint16_t effective_port() const { return port ? port : (tls == TlsMode::Implicit ? 993 : 143); }
};

}  // namespace imapmirror::transport
