// Fuzz target: a whole client session against a hostile server, the target that would have
// found issue 10's use-after-frees. The input is everything the server says, as segments
// separated by "\n~\n": one segment is handed out after each send of the client (the first
// answers CAPABILITY), in pieces whose size the first byte chooses. The client runs what
// imapmirror runs: the folder tree with counts (pipelined STATUS), EXAMINE, UID SEARCH, a
// pipelined body FETCH streamed into a sink through a CommandScope that the input may leave
// early, then EXAMINE again and LOGOUT.
//
// Checked beyond "no crash" (ASan sees any use of a freed handler or sink): no handler and no
// sink is called after the call that installed it has returned; once the session is broken,
// every call fails at once, without I/O.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "imap/client.hpp"
#include "transport/stream.hpp"

using namespace imapmirror;
using fuzz::check;

namespace {

class HostileServer final : public transport::Stream {
  public:
    HostileServer(std::vector<std::string> segments, size_t piece)
        : m_segments(std::move(segments)), m_piece(piece) {}
    core::Result<void> send(std::string_view) override {
        ++sends;
        if (m_next < m_segments.size())
            m_pending += m_segments[m_next++];
        return {};
    }
    core::Result<size_t> receive(char* buf, size_t cap) override {
        ++receives;
        if (m_pending.empty())
            return core::make_error(core::ErrorKind::Network, "the server closed the connection");
        size_t n = std::min({cap, m_pending.size(), m_piece});
        m_pending.copy(buf, n);
        m_pending.erase(0, n);
        return n;
    }
    size_t sends = 0, receives = 0;

  private:
    std::vector<std::string> m_segments;
    size_t m_next = 0;
    size_t m_piece;
    std::string m_pending;
};

// Fails the check if written to while its owner says it is not listening.
class GuardedSink final : public imap::LiteralSink {
  public:
    explicit GuardedSink(const bool& listening) : m_listening(listening) {}
    core::Result<void> write(std::string_view) override {
        check(m_listening, "a literal sink written after its call returned");
        return {};
    }
    core::Result<void> finish() override {
        check(m_listening, "a literal sink finished after its call returned");
        return {};
    }

  private:
    const bool& m_listening;
};

// A call on a broken session must fail without touching the connection.
template <typename Call>
void on_broken_session(imap::Client& client, HostileServer& server, Call call) {
    const size_t sends = server.sends, receives = server.receives;
    const bool ok = static_cast<bool>(call());
    check(!ok, "a call on a broken session succeeded");
    check(server.sends == sends && server.receives == receives,
          "a call on a broken session did I/O");
    (void)client;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2)
        return 0;
    const size_t piece = 1 + (data[0] % 64);
    const bool leave_early = data[1] & 1;
    std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
    std::vector<std::string> segments;
    for (;;) {
        size_t cut = rest.find("\n~\n");
        segments.emplace_back(rest.substr(0, cut));
        if (cut == std::string_view::npos)
            break;
        rest.remove_prefix(cut + 3);
    }
    auto owned = std::make_unique<HostileServer>(std::move(segments), piece);
    HostileServer& server = *owned;
    imap::Session::Options options;
    options.limits.max_response_bytes = 1u << 20;  // small, so limits are reached too
    options.limits.max_kept_literal = 64u << 10;
    auto made = imap::Client::over(std::move(owned), options);
    if (!made)
        return 0;
    imap::Client& client = **made;

    (void)client.list_folder_tree(true, 1u << 20);
    if (client.session().usable())
        (void)client.examine("INBOX");
    if (client.session().usable())
        (void)client.uid_search("ALL");
    if (client.session().usable()) {
        bool listening = true;
        GuardedSink sink(listening);
        {
            imap::CommandScope scope(client.session());
            scope.set_literal_router([&](const imap::LiteralContext&) -> imap::LiteralSink* {
                check(listening, "a literal router called after its call returned");
                return &sink;
            });
            auto handler = [&](const imap::Response&) -> core::Result<void> {
                check(listening, "a handler called after its call returned");
                return {};
            };
            auto first = scope.submit("UID FETCH 1:100 (UID BODY.PEEK[])", handler);
            auto second = scope.submit("UID FETCH 101:* (UID BODY.PEEK[])", handler);
            if (first && !leave_early)
                (void)scope.wait(*first);
            if (second && !leave_early)
                (void)scope.drain();
            // Leaving with commands in flight abandons the session (see session.hpp).
        }
        listening = false;
    }
    if (!client.session().usable())
        on_broken_session(client, server, [&] { return client.examine("INBOX"); });
    else
        (void)client.examine("INBOX");
    client.logout();
    return 0;
}
