#pragma once
// Read-only IMAP operations on one connection: folder tree with counts, EXAMINE, metadata
// fetches and streamed body fetches. Never sends SELECT, STORE, EXPUNGE or a non-PEEK BODY[].

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/command.hpp"
#include "imap/fetch.hpp"
#include "imap/literal_sink.hpp"
#include "imap/responses.hpp"
#include "imap/session.hpp"
#include "transport/connect_options.hpp"
#include "transport/stream.hpp"

namespace imapmirror::imap {

struct Folder {
    ListEntry entry;
    std::optional<MailboxStatus> status;  // absent for \Noselect folders and on `error`
    // Why this folder has no counts although they were asked for (scope Folder): its name
    // cannot be sent (NUL), STATUS failed, or its STATUS answer did not parse.
    std::optional<core::Error> error;
};

// A folder listing that survives bad entries: each costs only its own folder.
struct FolderListing {
    std::vector<Folder> folders;      // in server order
    std::vector<core::Error> errors;  // scope Folder: LIST entries that did not parse, and
                                      // every Folder::error
};

// Identifies messages for FETCH: UIDs ("UID FETCH") or sequence numbers ("FETCH").
struct MessageSet {
    bool by_uid = true;
    std::string set;  // "1:5,7" or "*"
};

// A pipelined FETCH: what to ask for and where the answers go (see Client::fetch_streamed).
struct FetchRequest {
    std::string items;  // e.g. "(UID FLAGS RFC822.SIZE BODY.PEEK[])"
    // The section whose literal goes to `body_sink` instead of memory, named as the server
    // answers it ("BODY[]" for BODY.PEEK[]).
    std::string streamed_section = "BODY[]";
    // Where the next message's streamed section goes; called as its literal starts. Empty:
    // literals are kept in the response (bounded by ParserLimits), fine for small sections.
    std::function<LiteralSink*()> body_sink;
    // Every FETCH response once complete (a streamed section has had finish() by then), also
    // those without the requested data (a flag update). An error ends the fetch.
    std::function<core::Result<void>(const FetchData&)> on_message;
};

// A command of a pipelined FETCH that the server answered with NO: the messages of that set
// were not (all) sent, the others may well have been. `answer` says whether the refusal is
// for now (temporary_refusal: [UNAVAILABLE], a throttle, ...) or about those messages.
struct FetchRefusal {
    size_t set = 0;  // index into the sets passed to fetch_streamed
    Completion answer;
};

// True for the error uid_search returns when the server refused the search's CHARSET
// (NO [BADCHARSET ...], RFC 3501 6.4.4): asking again without it may work.
bool refused_charset(const core::Error& error);

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
    // `with_status` (one LIST-STATUS round trip where the server has it, else STATUS each,
    // pipelined). A LIST entry or STATUS answer that does not parse, or a name that cannot be
    // sent, costs only that folder (see FolderListing); the call fails only when LIST itself
    // does or the session breaks.
    // Everything the listing keeps (LIST and STATUS responses, as Response::held_bytes) is
    // bounded by `max_bytes`: more is a Limit error.
    // `append_limits`: the STATUS also asks each folder's APPENDLIMIT (RFC 7889 section 3.2,
    // MailboxStatus::append_limit) where the server announces APPENDLIMIT without a number
    // (its limits are per folder; APPENDLIMIT=n is the one limit of all, append_limit()).
    core::Result<FolderListing> list_folder_tree(bool with_status,
                                                 size_t max_bytes = kMaxListingBytes,
                                                 bool append_limits = false);
    // The same, for callers that want the folders alone: per-folder errors are logged as
    // warnings and the affected folders have no counts.
    core::Result<std::vector<Folder>> list_folders(bool with_status);

    // EXAMINE (read-only select) of a folder given by its decoded name. An unknown folder is
    // NotFound.
    core::Result<MailboxState> examine(const std::string& folder);

    // FETCH `items` for `messages` in the examined folder; each FETCH response goes to
    // `on_fetch` (parsed; sections point into the response, valid during the call).
    // Responses without the requested data (e.g. a bare FLAGS update) are passed too. Any
    // failure, NO included, is an error (see fetch_streamed for what stays usable).
    core::Result<void> fetch(const MessageSet& messages, const std::string& items,
                             const std::function<core::Result<void>(const FetchData&)>& on_fetch);

    // One FETCH command per entry of `sets`, pipelined within the session's window, answers
    // handled as `request` says. Returns the commands the server refused with NO (a throttling
    // NO included: Completion::throttled), for the caller to retry, narrow down or report;
    // the connection stays usable. Ends early with an error when:
    // - on_message returns one, or a FETCH answer does not parse: nothing new is sent, the
    //   commands in flight are read to their end with their answers ignored and streamed
    //   sections discarded, so the connection stays usable;
    // - a command is answered BAD (a Folder error): likewise;
    // - the session breaks: it is then unusable (Session::broken).
    core::Result<std::vector<FetchRefusal>> fetch_streamed(const std::vector<MessageSet>& sets,
                                                           const FetchRequest& request);

    // UID SEARCH `criteria` in the examined folder (ESEARCH's compact answer where the server
    // has it); sorted, unique UIDs. An answer with more UIDs than the folder's EXISTS plus
    // kSearchSlack (or kMaxExpandedNumbers before any EXISTS) is a Protocol error: the server
    // is broken, and expanding "1:4000000000" would take 16 GB.
    core::Result<std::vector<uint32_t>> uid_search(const std::string& criteria);

    // The form of literal this server takes for an argument of `size` bytes.
    LiteralForm literal_form(size_t size) const;

    // ENABLE UTF8=ACCEPT (RFC 6855) where the server announces it (and ENABLE): from then on
    // folder names go both ways as UTF-8, not modified UTF-7 (ListEntry::raw_name is UTF-8,
    // examine() and quoted_text() send UTF-8). Returns whether the server enabled it; false,
    // and nothing sent, on a server without it. A NO leaves the session as it was.
    core::Result<bool> enable_utf8();
    bool utf8_accepted() const { return m_utf8; }
    // How arguments of this session may quote 8-bit text (UTF-8 once UTF8=ACCEPT is enabled).
    QuotedText quoted_text() const { return m_utf8 ? QuotedText::Utf8 : QuotedText::Ascii; }

    // LOGOUT; the connection is unusable afterwards.
    void logout() { m_session.logout(); }

    static constexpr uint64_t kSearchSlack = 100'000;
    static constexpr size_t kMaxListingBytes = 256u << 20;

  private:
    struct ListingState;
    explicit Client(std::unique_ptr<transport::Stream> stream, Session::Options options);
    core::Result<void> read_list(CommandScope& scope, ListingState& state,
                                 const std::string& status_items);
    core::Result<void> status_each(CommandScope& scope, ListingState& state,
                                   const std::string& items);
    std::unique_ptr<transport::Stream> m_stream;
    Session m_session;
    bool m_utf8 = false;  // UTF8=ACCEPT enabled
};

}  // namespace imapmirror::imap
