#pragma once
// Read-only IMAP operations on one connection: folder tree with counts, EXAMINE, metadata
// fetches and streamed body fetches. Never sends SELECT, STORE, EXPUNGE or a non-PEEK BODY[].

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/fetch.hpp"
#include "imap/responses.hpp"
#include "imap/session.hpp"
#include "transport/connect_options.hpp"
#include "transport/stream.hpp"

namespace imapmirror::imap {

struct Folder {
    ListEntry entry;
    std::optional<MailboxStatus> status;  // absent for \Noselect folders
};

// Identifies messages for FETCH: UIDs ("UID FETCH") or sequence numbers ("FETCH").
struct MessageSet {
    bool by_uid = true;
    std::string set;  // "1:5,7" or "*"
};

class Client {
  public:
    // Connects, logs in (transport), and learns the capabilities.
    static core::Result<std::unique_ptr<Client>> connect(const transport::ConnectOptions& options);
    // Uses an existing stream (tests).
    static core::Result<std::unique_ptr<Client>> over(std::unique_ptr<transport::Stream> stream,
                                                      Session::Options options = {});

    Session& session() { return m_session; }
    const Capabilities& capabilities() const { return m_session.capabilities(); }

    // Every folder (LIST "" "*"), in server order, with STATUS counts for selectable ones when
    // `with_status` (one LIST-STATUS round trip where the server has it, else STATUS each).
    core::Result<std::vector<Folder>> list_folders(bool with_status);

    // EXAMINE (read-only select) of a folder given by its decoded name. An unknown folder is
    // NotFound.
    core::Result<MailboxState> examine(const std::string& folder);

    // FETCH `items` for `messages` in the examined folder; each FETCH response goes to
    // `on_fetch` (parsed; sections point into the response, valid during the call).
    // Responses without the requested data (e.g. a bare FLAGS update) are passed too.
    core::Result<void> fetch(const MessageSet& messages, const std::string& items,
                             const std::function<core::Result<void>(const FetchData&)>& on_fetch);

    // UID SEARCH `criteria` in the examined folder (ESEARCH's compact answer where the server
    // has it); sorted, unique UIDs.
    core::Result<std::vector<uint32_t>> uid_search(const std::string& criteria);

    // LOGOUT; the connection is unusable afterwards.
    void logout() { m_session.logout(); }

  private:
    explicit Client(std::unique_ptr<transport::Stream> stream, Session::Options options);
    std::unique_ptr<transport::Stream> m_stream;
    Session m_session;
};

}  // namespace imapmirror::imap
