#pragma once
// The network side of a session: libcurl connects (TCP, implicit TLS or mandatory STARTTLS,
// certificate verification) and authenticates (SASL / LOGIN, XOAUTH2), then steps aside;
// we carry our own IMAP over curl_easy_send/recv with our own deadlines (DESIGN.md §1).

#include <memory>
#include <string>

#include "core/error.hpp"
#include "transport/connect_options.hpp"
#include "transport/stream.hpp"

typedef void CURL;

namespace imapmirror::transport {

class CurlConnection final : public Stream {
  public:
    // Connects and logs in. Errors say what failed (resolve, connect, TLS, auth) with a hint;
    // none of them contains a secret.
    static core::Result<std::unique_ptr<CurlConnection>> open(const ConnectOptions& options);

    ~CurlConnection() override;
    CurlConnection(const CurlConnection&) = delete;
    CurlConnection& operator=(const CurlConnection&) = delete;

    core::Result<void> send(std::string_view bytes) override;
    core::Result<size_t> receive(char* buf, size_t cap) override;

  private:
    struct CurlDeleter {
        void operator()(CURL* h) const;
    };
    CurlConnection(std::unique_ptr<CURL, CurlDeleter> handle, ConnectOptions options);
    core::Result<void> wait_socket(bool for_write);

    std::unique_ptr<CURL, CurlDeleter> m_handle;
    ConnectOptions m_options;  // secrets cleared after login
    long m_socket = -1;
};

}  // namespace imapmirror::transport
