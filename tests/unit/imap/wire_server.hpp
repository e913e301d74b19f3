#pragma once
// A scripted server for Session and Client unit tests: it sees each send() the client makes
// and queues an answer, handed out on receive() in small pieces.

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "transport/stream.hpp"

namespace imapmirror::test {

// A fake server that sees the client's bytes as one growing text and answers whenever a send
// completes something it recognises. Bytes are handed out on receive() in small pieces.
class WireServer final : public transport::Stream {
  public:
    // Called after each send with what that send carried; returns bytes to queue.
    using Responder = std::function<std::string(const std::string& sent)>;
    explicit WireServer(Responder r) : m_responder(std::move(r)) {}

    core::Result<void> send(std::string_view bytes) override {
        sends.emplace_back(bytes);
        events.push_back("send");
        m_pending += m_responder(std::string(bytes));
        return {};
    }
    core::Result<size_t> receive(char* buf, size_t cap) override {
        if (m_pending.empty())
            return core::make_error(core::ErrorKind::Network, "the server closed the connection");
        events.push_back("recv");
        size_t n = std::min<size_t>({cap, m_pending.size(), piece});
        std::copy_n(m_pending.data(), n, buf);
        m_pending.erase(0, n);
        return n;
    }
    void push(const std::string& bytes) { m_pending += bytes; }
    std::string wire() const {
        std::string all;
        for (const auto& s : sends)
            all += s;
        return all;
    }

    std::vector<std::string> sends, events;
    size_t piece = 7;

  private:
    Responder m_responder;
    std::string m_pending;
};

inline std::string tag_of(const std::string& line) {
    return line.substr(0, line.find(' '));
}

// A CAPABILITY answer for Client::over, then `rest` for everything else.
inline WireServer::Responder with_caps(std::string caps, WireServer::Responder rest) {
    return [caps, rest](const std::string& sent) -> std::string {
        if (sent.find(" CAPABILITY\r\n") != std::string::npos)
            return "* CAPABILITY IMAP4rev1 " + caps + "\r\n" + tag_of(sent) + " OK done\r\n";
        return rest(sent);
    };
}

}  // namespace imapmirror::test
