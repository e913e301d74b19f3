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
        push(m_responder(std::string(bytes)));
        return {};
    }
    core::Result<size_t> receive(char* buf, size_t cap) override {
        if (m_read == m_pending.size())
            return core::make_error(core::ErrorKind::Network, "the server closed the connection");
        events.push_back("recv");
        size_t n = std::min<size_t>({cap, m_pending.size() - m_read, piece});
        std::copy_n(m_pending.data() + m_read, n, buf);
        m_read += n;
        return n;
    }
    // Read bytes are dropped here, not on each receive(): erasing the front of a large answer
    // in 7-byte pieces was quadratic (a 25,000-message FETCH took seconds, a minute under ASan).
    void push(const std::string& bytes) {
        m_pending.erase(0, m_read);
        m_read = 0;
        m_pending += bytes;
    }
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
    size_t m_read = 0;  // how much of m_pending receive() has handed out
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
