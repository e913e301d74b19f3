#pragma once
// A scripted IMAP account for what no real server does on demand: quirks of servers we cannot
// run here (imap4d's search, Courier's EXAMINE, Exchange's sizes) and hostile answers (UIDs
// left out or not asked for, a NO for one message, a malformed reply). It models folders and
// messages just well enough for `export`: LIST, STATUS, EXAMINE, UID SEARCH, UID FETCH.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace imapmirror::test {

struct FakeMessage {
    uint32_t uid = 0;
    std::string bytes;
};

struct FakeFolder {
    uint32_t uidvalidity = 7;
    uint32_t uidnext = 1;
    std::vector<FakeMessage> messages;  // ascending UIDs
    void add(std::string bytes) { messages.push_back(FakeMessage{uidnext++, std::move(bytes)}); }
};

struct FakeQuirks {
    bool uid_search_empty = false;           // imap4d: `UID SEARCH UID n:*` answers nothing
    bool examine_without_uidnext = false;    // Courier: no [UIDNEXT] in EXAMINE
    std::set<uint32_t> omit;                 // answered OK but never sent
    std::set<uint32_t> refuse;               // a UID FETCH naming one of these gets NO
    std::optional<FakeMessage> unrequested;  // sent with every body fetch, asked for or not
    int64_t size_delta = 0;                  // RFC822.SIZE announced = bytes + delta
    std::string broken_folder;               // its EXAMINE answer is malformed
    int throttle_fetches = 0;                // the next N body fetches get NO [THROTTLED]
    int throttle_ok = 0;                     // the next N body fetches end OK [THROTTLED]
    std::set<std::string> not_mail;          // EXAMINE answers NO (Microsoft 365 calendars)
    bool status_name_unquoted = false;       // GNU imap4d: `* STATUS My Folder (MESSAGES 1)`
    // Refusals for now: the next N body fetches, and every body fetch in `unavailable_folder`,
    // get `unavailable_reply` (after the tag).
    int unavailable_fetches = 0;
    std::string unavailable_folder;
    std::string unavailable_reply = "NO [UNAVAILABLE] Service temporarily unavailable";
};

class FakeAccount {
  public:
    FakeAccount();
    ~FakeAccount();
    int port() const;

    // Changes the account between runs (under the lock the sessions use).
    void edit(const std::function<void(std::map<std::string, FakeFolder>&, FakeQuirks&)>& f);
    // How often a command starting with `word` ("EXAMINE", "UID FETCH") was received, and how
    // many message bodies were sent.
    size_t commands(const std::string& word) const;
    size_t bodies_sent() const;

  private:
    struct State;
    std::shared_ptr<State> m_state;
    std::unique_ptr<class FakeServer> m_server;
};

}  // namespace imapmirror::test
